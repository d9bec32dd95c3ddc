using System.Buffers;
using System.Diagnostics;
using Mpms.Hosting.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker;

/// <summary>
/// A job inside the worker process, from its frame to its outcome. Its state moves by compare-and-swap, so the thread
/// that runs it, a cancel from the application, the timeout watchdog and a drain never both report it.
/// </summary>
internal sealed class WorkerJob : IJobDescription
{
    private const int StateWaiting = 0;
    private const int StateRunning = 1;
    private const int StateDone = 2;

    private int _state;
    private int _cancelReason;
    private byte[]? _payload;
    private CancellationTokenSource? _cancellation;
    private ProgressThrottle? _progress;
    private string? _jobId;

    public WorkerJob(long sequence, long idHigh, int attempt, string? traceParent, byte[] payload, int length)
    {
        TraceParent = traceParent;
        Sequence = sequence;
        IdHigh = idHigh;
        Attempt = attempt;
        _payload = payload;
        Length = length;
    }

    /// <summary>Gets the number the application and this process know the job by on their link.</summary>
    public long Sequence { get; }

    /// <summary>Gets the job frame's number on this link (1, 2, 3, … as they arrived): its slot in the <see cref="Protocol.StartMarks"/>.</summary>
    public long Ordinal { get; init; }

    /// <summary>Gets the high half of the job's id: when it was accepted, and by which pool instance.</summary>
    public long IdHigh { get; }

    /// <summary>Gets the job's id, made when first asked for.</summary>
    public string JobId => _jobId ??= Protocol.JobIds.Format(IdHigh, Sequence);

    public int Attempt { get; }

    public DateTimeOffset EnqueuedAt => Protocol.JobIds.AcceptedAt(IdHigh);

    /// <summary>Gets the length of the serialised job in its rented payload array.</summary>
    public int Length { get; }

    public string? TraceParent { get; }

    public ReadOnlyMemory<byte> Payload => _payload.AsMemory(0, Length);

    public bool IsRunning => Volatile.Read(ref _state) == StateRunning;

    /// <summary>Gets why the job's token was signalled, if it was.</summary>
    public CancelReason CancelReason => (CancelReason)Volatile.Read(ref _cancelReason);

    /// <summary>Gets or sets the source of the running job's token.</summary>
    /// <remarks>
    /// Set with a full fence: the runner sets it and then reads <see cref="CancelReason"/>, a cancel records its reason
    /// and then reads this; with the fence one of the two always sees the other, so a cancel is never missed.
    /// </remarks>
    public CancellationTokenSource? Cancellation
    {
        get => Volatile.Read(ref _cancellation);
        set => Interlocked.Exchange(ref _cancellation, value);
    }

    /// <summary>Gets or sets the thread that runs the job, once it started.</summary>
    public WorkerThread? Thread { get; set; }

    /// <summary>Gets the job's progress on its way to the application, once it reported any.</summary>
    public ProgressThrottle? Progress => Volatile.Read(ref _progress);

    /// <summary>Gets or sets the activity the job runs in, when anyone listens: progress sent is an event of it.</summary>
    public Activity? Activity { get; set; }

    /// <summary>Gets or sets when the job started, in UTC ticks, as results and heartbeats carry it.</summary>
    public long StartedTicks { get; set; }

    /// <summary>Gets or sets the <see cref="TimeProvider"/> timestamp at which the job times out; 0 for never.</summary>
    public long Deadline { get; set; }

    /// <summary>Gets or sets a value indicating whether the watchdog signalled the job's token at its timeout.</summary>
    /// <remarks>Only the watchdog's tick reads and writes it, one tick at a time.</remarks>
    public bool TimeoutSignalled { get; set; }

    /// <summary>Sets the job's progress throttle, unless another thread's first report set one first; returns the one set.</summary>
    public ProgressThrottle SetProgressOnce(ProgressThrottle progress) =>
        Interlocked.CompareExchange(ref _progress, progress, null) ?? progress;

    public bool TryStart() => Interlocked.CompareExchange(ref _state, StateRunning, StateWaiting) == StateWaiting;

    public bool TryFinish() => Interlocked.CompareExchange(ref _state, StateDone, StateRunning) == StateRunning;

    /// <summary>Takes back a job that has not started (to cancel it or hand it back).</summary>
    public bool TryWithdraw() => Interlocked.CompareExchange(ref _state, StateDone, StateWaiting) == StateWaiting;

    /// <summary>Records why the job is being canceled; the first reason wins.</summary>
    public void SetCancelReason(CancelReason reason) => Interlocked.CompareExchange(ref _cancelReason, (int)reason, (int)CancelReason.None);

    /// <summary>
    /// Signals the running job's token. Its callbacks run on the caller (the link's reader or the watchdog's tick): one
    /// that throws is logged, and never brings the process down.
    /// </summary>
    public void SignalCancel(ILogger logger)
    {
        try
        {
            Cancellation?.Cancel();
        }
        catch (Exception ex)
        {
            WorkerLog.CancellationCallbackFailed(logger, JobId, ex);
        }
    }

    public void ReleasePayload()
    {
        byte[]? payload = Interlocked.Exchange(ref _payload, null);
        if (payload is not null)
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }
}

/// <summary>Why a running job's token was signalled.</summary>
internal enum CancelReason
{
    None = 0,
    Canceled = 1,
    TimedOut = 2,
}
