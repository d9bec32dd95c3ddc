namespace Mpms.Hosting;

/// <summary>
/// The outcome of one job, as a collector and <see cref="IMpmsPool{TJob, TResult}.ReadResultsAsync"/> see it (the
/// original MPMS's <c>meta</c> and <c>result</c> in one object).
/// </summary>
/// <typeparam name="TJob">The pool's job type.</typeparam>
/// <typeparam name="TResult">The pool's result type.</typeparam>
public sealed class MpmsResult<TJob, TResult>
{
    // Small, since one is made per job for a collector or a bulk call: what the job's handle knows (its id, attempt and
    // accept time) is read from it, and times are kept as UTC ticks (0: none).
    private readonly MpmsJobHandle<TResult> _handle;
    private readonly MpmsResultPool _pool;
    private readonly long _startedAtTicks;
    private readonly long _finishedAtTicks;
    private readonly int _processId;

    internal MpmsResult(
        MpmsResultPool pool,
        MpmsJobHandle<TResult> handle,
        TJob job,
        MpmsJobStatus status,
        TResult? value,
        Exception? exception,
        DateTimeOffset? startedAt,
        DateTimeOffset finishedAt,
        int? processId,
        string? threadName)
    {
        _pool = pool;
        _handle = handle;
        Job = job;
        Status = status;
        Value = value;
        Exception = exception;
        _startedAtTicks = startedAt?.UtcTicks ?? 0;
        _finishedAtTicks = finishedAt.UtcTicks;
        _processId = processId ?? 0;
        ThreadName = threadName;
    }

    /// <summary>Gets the name of the pool that ran the job.</summary>
    public string PoolName => _pool.Name;

    /// <summary>Gets the job's id, the same as on its handle.</summary>
    public string JobId => _handle.JobId;

    /// <summary>Gets the job as it was put on the queue.</summary>
    public TJob Job { get; }

    /// <summary>Gets the final status: <see cref="MpmsJobStatus.Succeeded"/>, <see cref="MpmsJobStatus.Failed"/>,
    /// <see cref="MpmsJobStatus.TimedOut"/>, <see cref="MpmsJobStatus.WorkerLost"/> or <see cref="MpmsJobStatus.Canceled"/>.</summary>
    public MpmsJobStatus Status { get; }

    /// <summary>Gets a value indicating whether the job succeeded.</summary>
    public bool Succeeded => Status == MpmsJobStatus.Succeeded;

    /// <summary>Gets the worker's result when the job succeeded; otherwise the default value.</summary>
    public TResult? Value { get; }

    /// <summary>Gets why the job did not succeed; <see langword="null"/> when it did.</summary>
    public Exception? Exception { get; }

    /// <summary>Gets the number of the attempt that produced this outcome (1 unless the job was retried).</summary>
    public int Attempt => _handle.CurrentAttempt;

    /// <summary>Gets when the queue accepted the job.</summary>
    public DateTimeOffset EnqueuedAt => _handle.AcceptedAt;

    /// <summary>Gets when a worker thread started the job; <see langword="null"/> when it never started.</summary>
    public DateTimeOffset? StartedAt => _startedAtTicks == 0 ? null : new DateTimeOffset(_startedAtTicks, TimeSpan.Zero);

    /// <summary>Gets when the outcome was known.</summary>
    public DateTimeOffset FinishedAt => new(_finishedAtTicks, TimeSpan.Zero);

    /// <summary>Gets the id of the worker process that ran the job; <see langword="null"/> when none did.</summary>
    public int? ProcessId => _processId == 0 ? null : _processId;

    /// <summary>Gets the name of the worker thread that ran the job; <see langword="null"/> when none did.</summary>
    public string? ThreadName { get; }

    /// <summary>Gets the pool's <see cref="MpmsOptions.Meta"/> values.</summary>
    public IReadOnlyDictionary<string, string> Meta => _pool.Meta;

    /// <inheritdoc />
    public override string ToString() => $"{JobId} {Status}";
}
