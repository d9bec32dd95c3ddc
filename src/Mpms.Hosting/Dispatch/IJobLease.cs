using System.Buffers;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Dispatch;

/// <summary>
/// A job leased to a link: what the link sends, and the ways the lease can end. Exactly one of <see cref="HandBack"/>,
/// <see cref="Complete"/>, <see cref="TimeOut"/> and <see cref="Lose"/> ends it; a second call, or a call after the
/// job was canceled, changes nothing.
/// </summary>
internal interface IJobLease
{
    /// <summary>Gets the job's sequence number: its key on the link.</summary>
    long Sequence { get; }

    /// <summary>Gets the high half of the job's id (time and pool instance); with <see cref="Sequence"/> it makes the id.</summary>
    long IdHigh { get; }

    /// <summary>Gets the job's id.</summary>
    string JobId { get; }

    /// <summary>Gets the attempt this lease runs: 1, or more once the job was retried after its process was lost.</summary>
    int Attempt { get; }

    /// <summary>Gets the W3C trace parent of the put, so that the worker's activity continues its trace.</summary>
    string? TraceParent { get; }

    /// <summary>Gets the serialised job; valid while the lease lasts.</summary>
    ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Gets a value indicating whether the caller asked to cancel the job.</summary>
    bool CancelRequested { get; }

    /// <summary>Gets a value indicating whether the worker process said that a thread started the job.</summary>
    bool Started { get; }

    /// <summary>Notes that a thread of the worker process started the job (it was held ahead until then).</summary>
    void MarkStarted();

    /// <summary>Ends the lease of a job that never started: it goes back to the queue, same attempt.</summary>
    void HandBack();

    /// <summary>Ends the lease with the outcome the worker process reported.</summary>
    void Complete(in ResultFrame result, int processId, string? threadName);

    /// <summary>Ends the lease as timed out: the job ran for <paramref name="ranFor"/>, past its limit, and its process was killed.</summary>
    void TimeOut(TimeSpan ranFor, string processName, int processId);

    /// <summary>Ends the lease because its process died: the job is retried or reported lost, as the pool's policy says.</summary>
    /// <param name="loss">How the process ended.</param>
    /// <param name="lastSeen">Where and since when the job was running, as the process last reported it; <see langword="null"/> when it never said.</param>
    void Lose(WorkerLoss loss, LastSeenRunning? lastSeen = null);

    /// <summary>
    /// Hands on the latest progress the running job reported, serialised (valid during the call only). A queue that
    /// carries no progress ignores it; the lease goes on either way.
    /// </summary>
    void ReportProgress(in ReadOnlySequence<byte> value)
    {
    }
}

/// <summary>Who holds leases: the link of the worker process the jobs were sent to.</summary>
internal interface ILeaseHolder
{
    /// <summary>The caller canceled a job this holder has: tell the worker process.</summary>
    void Cancel(IJobLease lease);
}
