using System.Threading.Channels;
using Mpms.Hosting.Diagnostics;

namespace Mpms.Hosting.Queue;

/// <summary>
/// The book of outcomes of one pool: counts every job by where it stands, writes each outcome once to the result stream
/// (for the collector or <c>ReadResultsAsync</c>), and knows when the queue is drained: completed, and every accepted
/// job has its outcome (seen by the collector, if there is one).
/// </summary>
internal sealed class OutcomeLedger<TJob, TResult>
{
    private readonly string _poolName;
    private readonly QueueGate _gate;
    private readonly MpmsTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly KeyValuePair<string, object?> _poolTag;
    private readonly MpmsResultPool _pool;
    private readonly Channel<BufferedOutcome<TJob, TResult>>? _results;
    private readonly bool _hasCollector;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _running;
    private long _leased;
    private long _succeeded;
    private long _failed;
    private long _timedOut;
    private long _lost;
    private long _canceled;
    private long _recorded;
    private long _collected;

    public OutcomeLedger(string poolName, QueueGate gate, MpmsTelemetry telemetry, TimeProvider time, IReadOnlyDictionary<string, string> meta, bool hasCollector, bool enableResultStream)
    {
        _poolName = poolName;
        _gate = gate;
        _telemetry = telemetry;
        _time = time;
        _poolTag = new KeyValuePair<string, object?>("mpms.pool", poolName);
        _pool = new MpmsResultPool(poolName, meta);
        _hasCollector = hasCollector;
        if (hasCollector || enableResultStream)
        {
            _results = Channel.CreateUnbounded<BufferedOutcome<TJob, TResult>>(new UnboundedChannelOptions { SingleReader = true });
        }
    }

    /// <summary>Gets the outcomes in completion order, when they are buffered (a collector or the result stream is on).</summary>
    public ChannelReader<BufferedOutcome<TJob, TResult>>? Results => _results?.Reader;

    /// <summary>
    /// Gets a value indicating whether a job keeps its place in the queue until its outcome is consumed (by the collector
    /// or the reader of the result stream), not only until it leaves the waiting line: true whenever outcomes are
    /// buffered, so that <see cref="MpmsOptions.QueueCapacity"/> also bounds the outcomes waiting for their consumer.
    /// </summary>
    public bool HoldsPlacesUntilConsumed => _results is not null;

    /// <summary>Gets a task that completes when the queue is drained.</summary>
    public Task Drained => _drained.Task;

    public KeyValuePair<string, object?> PoolTag => _poolTag;

    /// <summary>Gets the pool's latest failed outcomes, with their exceptions.</summary>
    public RecentFailures Failures { get; } = new();

    /// <summary>A job was sent to a worker process (it may be held there ahead of a free thread).</summary>
    public void OnLeased() => Interlocked.Increment(ref _leased);

    /// <summary>A job a worker process had came back to the queue without an outcome.</summary>
    public void OnLeaseReturned() => Interlocked.Decrement(ref _leased);

    /// <summary>A job began running: sent to a process that runs it at once, or started there after it was held ahead.</summary>
    public void OnRunning() => Interlocked.Increment(ref _running);

    /// <summary>A running job came back to the queue without an outcome (its process was lost, and it is retried).</summary>
    public void OnNoLongerRunning() => Interlocked.Decrement(ref _running);

    /// <summary>Records a job's one outcome, then completes its handle.</summary>
    /// <param name="job">The job.</param>
    /// <param name="outcome">Its outcome.</param>
    /// <param name="wasLeased">Whether a worker process had it (<see cref="OnLeased"/>).</param>
    /// <param name="wasRunning">Whether it was counted as running (<see cref="OnRunning"/>).</param>
    public void Record(PendingJob<TJob, TResult> job, in Outcome<TResult> outcome, bool wasLeased, bool wasRunning)
    {
        if (wasLeased)
        {
            Interlocked.Decrement(ref _leased);
        }

        if (wasRunning)
        {
            Interlocked.Decrement(ref _running);
        }

        Interlocked.Increment(ref Counter(outcome.Status));
        DateTimeOffset finished = outcome.FinishedAt ?? _time.GetUtcNow();
        _telemetry.JobCompleted(_poolTag, outcome.Status, job.EnqueuedAt, outcome.StartedAt, finished);
        if (outcome.Status is MpmsJobStatus.Failed or MpmsJobStatus.TimedOut or MpmsJobStatus.WorkerLost && outcome.Exception is { } exception)
        {
            Failures.Add(job.JobId, job.Attempt, outcome.Status, exception, outcome.ProcessId, outcome.ThreadName, finished);
        }

        BulkRun<TJob, TResult>? run = job.Run;
        MpmsResult<TJob, TResult>? result = null;
        if (_results is not null || run is not null)
        {
            // One object for every reader: the collector (or the result stream), the bulk call that put the job, and its handle.
            result = new MpmsResult<TJob, TResult>(
                _pool, job, job.Job, outcome.Status, outcome.Value, outcome.Exception,
                outcome.StartedAt, finished, outcome.ProcessId, outcome.ThreadName);
            _results?.Writer.TryWrite(new BufferedOutcome<TJob, TResult>(result, job.TryReleasePlace()));
            run?.OnOutcome(result, job.RunSlot);
        }

        // Counted as recorded only once written: the result stream is closed when every outcome is, never before one is.
        Interlocked.Increment(ref _recorded);

        // The caller's continuation runs after the collector could have seen the outcome, never before it is counted.
        job.Resolve(outcome.Value, outcome.Exception, result);
        CheckDrained();
    }

    /// <summary>The collector has handled one more outcome: its job's place in the queue is free.</summary>
    public void OnCollected(in BufferedOutcome<TJob, TResult> outcome)
    {
        OnRead(outcome);
        Interlocked.Increment(ref _collected);
        CheckDrained();
    }

    /// <summary>The reader of the result stream took one more outcome: its job's place in the queue is free.</summary>
    public void OnRead(in BufferedOutcome<TJob, TResult> outcome)
    {
        _gate.Places.Release(outcome.HeldPlace);
    }

    /// <summary>Completes the result stream and <see cref="Drained"/> once the queue is closed and every outcome is in.</summary>
    public void CheckDrained()
    {
        if (!_gate.IsClosed(out long accepted) || Interlocked.Read(ref _recorded) != accepted)
        {
            return;
        }

        _results?.Writer.TryComplete();
        if (!_hasCollector || Interlocked.Read(ref _collected) == accepted)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>The pool's counters now; the process counts are the supervisor's to fill in.</summary>
    public MpmsPoolStats Snapshot()
    {
        long succeeded = Interlocked.Read(ref _succeeded);
        long failed = Interlocked.Read(ref _failed);
        long timedOut = Interlocked.Read(ref _timedOut);
        long lost = Interlocked.Read(ref _lost);
        long canceled = Interlocked.Read(ref _canceled);
        long running = Interlocked.Read(ref _running);
        long leased = Interlocked.Read(ref _leased);
        long accepted = _gate.Accepted;
        return new MpmsPoolStats
        {
            PoolName = _poolName,
            State = _gate.State,
            Health = _gate.Failure is null ? MpmsPoolHealth.Healthy : MpmsPoolHealth.Failed,
            Accepted = accepted,
            Running = running,
            HeldAhead = Math.Max(0, leased - running),
            Queued = Math.Max(0, accepted - running - succeeded - failed - timedOut - lost - canceled),
            Succeeded = succeeded,
            Failed = failed,
            TimedOut = timedOut,
            WorkerLost = lost,
            Canceled = canceled,
        };
    }

    private ref long Counter(MpmsJobStatus status)
    {
        switch (status)
        {
            case MpmsJobStatus.Succeeded: return ref _succeeded;
            case MpmsJobStatus.Failed: return ref _failed;
            case MpmsJobStatus.TimedOut: return ref _timedOut;
            case MpmsJobStatus.WorkerLost: return ref _lost;
            default: return ref _canceled;
        }
    }
}
