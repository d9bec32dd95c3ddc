namespace Mpms.Hosting;

/// <summary>Describes one run of one job: which job it is, which attempt, and where it runs.</summary>
public sealed class MpmsJobContext
{
    private readonly long _idHigh;
    private readonly long _sequence;
    private string? _jobId;

    internal MpmsJobContext(long idHigh, long sequence, int attempt, MpmsThreadContext thread)
    {
        _idHigh = idHigh;
        _sequence = sequence;
        Attempt = attempt;
        Thread = thread;
    }

    /// <summary>Gets the job's id, the same as on its handle and its result.</summary>
    public string JobId => _jobId ??= Queue.JobIds.Format(_idHigh, _sequence);

    /// <summary>Gets the attempt number, 1 for the first run; higher when the job is retried after its process was lost.</summary>
    public int Attempt { get; }

    /// <summary>Gets when the job was accepted by the queue (to the millisecond).</summary>
    public DateTimeOffset EnqueuedAt => Queue.JobIds.AcceptedAt(_idHigh);

    /// <summary>Gets the worker thread that runs the job.</summary>
    public MpmsThreadContext Thread { get; }

    /// <summary>Gets the worker process that runs the job.</summary>
    public MpmsProcessContext Process => Thread.Process;
}
