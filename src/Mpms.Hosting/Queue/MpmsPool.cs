using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Queue;

/// <summary>
/// The application side of one pool: admission (capacity and backpressure), the queue the link pumps drain, and the
/// bookkeeping that gives every accepted job exactly one outcome and counts it.
/// </summary>
internal sealed class MpmsPool<TJob, TResult> : IMpmsQueue<TJob, TResult>, IJobRoute, IPoolStatus, IDisposable
{
    [ThreadStatic]
    private static PooledBufferWriter? t_serializationBuffer;

    private readonly object _gate = new();
    private readonly IMpmsSerializer _serializer;
    private readonly ILogger _logger;
    private readonly ChannelJobQueue<PendingJob<TJob, TResult>> _queue = new();
    private readonly SemaphoreSlim _admission;
    private readonly CancellationTokenSource _completing = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<MpmsResult<TJob, TResult>>? _results;
    private readonly IReadOnlyDictionary<string, string> _meta;
    private readonly ushort _instance = JobIds.NewInstance();
    private readonly MpmsTelemetry _telemetry;
    private readonly KeyValuePair<string, object?> _poolTag;
    private volatile MpmsPoolState _state = MpmsPoolState.NotStarted; // NotStarted, Running, Completing or Stopped
    private volatile string? _failure;
    private IPoolProcesses? _processes;
    private long _sequence;
    private long _accepted;
    private long _running;
    private long _succeeded;
    private long _failed;
    private long _timedOut;
    private long _lost;
    private long _canceled;
    private long _collected;
    private long _recorded;
    private int _streamReaders;

    public MpmsPool(string poolName, MpmsOptions options, IMpmsSerializer serializer, bool hasCollector, MpmsTelemetry telemetry, ILogger logger)
    {
        PoolName = poolName;
        _telemetry = telemetry;
        _poolTag = new KeyValuePair<string, object?>("mpms.pool", poolName);
        Options = options;
        _serializer = serializer;
        _logger = logger;
        HasCollector = hasCollector;
        _admission = new SemaphoreSlim(options.EffectiveQueueCapacity, options.EffectiveQueueCapacity);
        _meta = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(options.Meta, StringComparer.Ordinal));
        if (hasCollector || options.EnableResultStream)
        {
            _results = Channel.CreateUnbounded<MpmsResult<TJob, TResult>>(new UnboundedChannelOptions { SingleReader = true });
        }
    }

    public string PoolName { get; }

    private MpmsPoolState CurrentState => _state;

    public MpmsOptions Options { get; }

    public bool HasCollector { get; }

    public IMpmsSerializer Serializer => _serializer;

    public int ConfiguredProcesses => Options.Processes;

    Type IJobRoute.JobType => typeof(TJob);

    Type IJobRoute.ResultType => typeof(TResult);

    /// <summary>Gets the queue that link pumps drain.</summary>
    internal IJobQueue<PendingJob<TJob, TResult>> Queue => _queue;

    public ValueTask<MpmsJobHandle<TResult>> PutAsync(TJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ThrowIfNotAccepting();
        byte[] payload = Serialize(job, out int length);
        if (_admission.Wait(0, CancellationToken.None))
        {
            return ValueTask.FromResult<MpmsJobHandle<TResult>>(Accept(job, payload, length));
        }

        return WaitForRoomAsync(job, payload, length, cancellationToken);
    }

    public bool TryPut(TJob job, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle)
    {
        ArgumentNullException.ThrowIfNull(job);
        ThrowIfNotAccepting();
        byte[] payload = Serialize(job, out int length);
        if (!_admission.Wait(0, CancellationToken.None))
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(payload);
            handle = null;
            return false;
        }

        handle = Accept(job, payload, length);
        return true;
    }

    public async Task<TResult> RunAsync(TJob job, CancellationToken cancellationToken = default)
    {
        var handle = (PendingJob<TJob, TResult>)await PutAsync(job, cancellationToken).ConfigureAwait(false);
        if (!cancellationToken.CanBeCanceled)
        {
            return await handle.Completion.ConfigureAwait(false);
        }

        using (cancellationToken.UnsafeRegister(static (state, token) => ((PendingJob<TJob, TResult>)state!).Cancel(token), handle))
        {
            return await handle.Completion.ConfigureAwait(false);
        }
    }

    public IAsyncEnumerable<MpmsResult<TJob, TResult>> ReadResultsAsync(CancellationToken cancellationToken = default)
    {
        if (HasCollector)
        {
            throw new InvalidOperationException(
                $"Pool '{PoolName}' has an IMpmsCollector<{typeof(TJob).Name}, {typeof(TResult).Name}> registered: outcomes go to the collector, so they cannot also be read with ReadResultsAsync. Use one or the other.");
        }

        if (_results is null)
        {
            throw new InvalidOperationException(
                $"Pool '{PoolName}' does not buffer outcomes for ReadResultsAsync: set the option EnableResultStream to true (for example \"Mpms:EnableResultStream\": true).");
        }

        if (Interlocked.Exchange(ref _streamReaders, 1) != 0)
        {
            throw new InvalidOperationException($"The outcomes of pool '{PoolName}' are already being read: ReadResultsAsync can be enumerated once.");
        }

        return _results.Reader.ReadAllAsync(cancellationToken);
    }

    public void Complete()
    {
        lock (_gate)
        {
            if (_state == MpmsPoolState.Running)
            {
                _state = MpmsPoolState.Completing;
            }
        }

        _completing.Cancel();
        CheckDrained();
    }

    public Task WaitForCompletionAsync(CancellationToken cancellationToken = default) => _drained.Task.WaitAsync(cancellationToken);

    public Task<bool> ShutdownAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        IPoolProcesses processes = _processes
            ?? throw new InvalidOperationException($"Pool '{PoolName}' has not started: start the host first.");
        return processes.ShutdownAsync(timeout, cancellationToken);
    }

    public MpmsPoolStats GetStats()
    {
        long succeeded = Interlocked.Read(ref _succeeded);
        long failed = Interlocked.Read(ref _failed);
        long timedOut = Interlocked.Read(ref _timedOut);
        long lost = Interlocked.Read(ref _lost);
        long canceled = Interlocked.Read(ref _canceled);
        long running = Interlocked.Read(ref _running);
        long accepted = Interlocked.Read(ref _accepted);
        MpmsPoolState state;
        lock (_gate)
        {
            state = _state != MpmsPoolState.Running ? _state
                : _failure is not null ? MpmsPoolState.Failed
                : _processes?.IsFaulted == true ? MpmsPoolState.Faulted
                : MpmsPoolState.Running;
        }

        return new MpmsPoolStats
        {
            PoolName = PoolName,
            State = state,
            Accepted = accepted,
            Running = running,
            Queued = Math.Max(0, accepted - running - succeeded - failed - timedOut - lost - canceled),
            Succeeded = succeeded,
            Failed = failed,
            TimedOut = timedOut,
            WorkerLost = lost,
            Canceled = canceled,
            ProcessesAlive = _processes?.ProcessesAlive ?? 0,
            ProcessesReady = _processes?.ProcessesReady ?? 0,
            Restarts = _processes?.Restarts ?? 0,
        };
    }

    public void Dispose()
    {
        _telemetry.Unregister(this);
        _admission.Dispose();
        _completing.Dispose();
    }

    /// <summary>Opens the queue; called once by the supervisor when the host starts.</summary>
    internal void Start(IPoolProcesses processes)
    {
        lock (_gate)
        {
            if (_state != MpmsPoolState.NotStarted)
            {
                throw new InvalidOperationException($"Pool '{PoolName}' has already been started; a pool starts once.");
            }

            _processes = processes;
            _state = MpmsPoolState.Running;
        }

        _telemetry.Register(this);
    }

    /// <summary>Marks the pool stopped; whatever is still queued is canceled.</summary>
    internal void Stop(string reason)
    {
        Complete();
        lock (_gate)
        {
            _state = MpmsPoolState.Stopped;
        }

        CancelQueued(reason);
    }

    private void CancelQueued(string reason)
    {
        while (TryTake(out PendingJob<TJob, TResult>? job))
        {
            TryFinish(job, MpmsJobStatus.Canceled, default, new OperationCanceledException($"The job never ran: {reason}."));
        }
    }

    /// <summary>Marks the pool failed: puts fail fast, and the jobs waiting in the queue end with the failure.</summary>
    internal void Fail(string reason)
    {
        _failure = reason;
        FailQueued(reason);
    }

    private void FailQueued(string reason)
    {
        while (TryTake(out PendingJob<TJob, TResult>? job))
        {
            TryFinish(job, MpmsJobStatus.Failed, default, new MpmsPoolFailedException(reason));
        }
    }

    /// <summary>Accepts puts again after a failure.</summary>
    internal bool Recover() => Interlocked.Exchange(ref _failure, null) is not null;

    /// <summary>Waits until a job may be there to take.</summary>
    internal ValueTask<bool> WaitForJobAsync(CancellationToken cancellationToken) => _queue.WaitToDequeueAsync(cancellationToken);

    /// <summary>Takes the next job for a link, if there is one; gives the job's place in the queue back to waiting callers.</summary>
    internal bool TryTake([NotNullWhen(true)] out PendingJob<TJob, TResult>? job)
    {
        if (!_queue.TryDequeue(out job))
        {
            return false;
        }

        ReleaseAdmission(job);
        return true;
    }

    /// <summary>Puts a job a link took but never sent back at the head of the line (as far as a channel allows: the tail).</summary>
    internal void ReturnUnsent(PendingJob<TJob, TResult> job) => _queue.Enqueue(job);

    internal void OnSent() => Interlocked.Increment(ref _running);

    /// <summary>Puts a job that was with a link back in the queue: handed back unstarted, or retried after its process was lost.</summary>
    internal void Requeue(PendingJob<TJob, TResult> job, bool newAttempt)
    {
        if (!job.TryMarkRequeued())
        {
            return;
        }

        Interlocked.Decrement(ref _running);
        if (newAttempt)
        {
            job.Attempt++;
        }

        // Canceled while a process held it, and it never started there: it never runs.
        if (job.CancelRequested)
        {
            TryFinish(job, MpmsJobStatus.Canceled, default, new OperationCanceledException("The job was canceled before it started.", job.CancelToken));
            return;
        }

        if (CurrentState == MpmsPoolState.Stopped)
        {
            TryFinish(job, MpmsJobStatus.Canceled, default, new OperationCanceledException("The job never ran: the pool stopped."));
            return;
        }

        if (_failure is { } failure)
        {
            TryFinish(job, MpmsJobStatus.Failed, default, new MpmsPoolFailedException(failure));
            return;
        }

        _queue.Enqueue(job);
    }

    internal void Cancel(PendingJob<TJob, TResult> job)
    {
        if (job.TryMarkCanceledWhileQueued())
        {
            // Its place goes back now: the dead entry leaves the channel only when a link next takes from it.
            ReleaseAdmission(job);
            Record(job, MpmsJobStatus.Canceled, default, new OperationCanceledException("The job was canceled before it started.", job.CancelToken), null, null, null, wasSent: false, finishedAt: null);
        }
        else if (!job.IsDone)
        {
            job.Link?.CancelJob(job.Sequence);
        }
    }

    /// <summary>Gives a job its outcome, unless it already has one.</summary>
    /// <returns><see langword="true"/> when this call decided the outcome.</returns>
    internal bool TryFinish(
        PendingJob<TJob, TResult> job,
        MpmsJobStatus status,
        TResult? value,
        Exception? exception,
        DateTimeOffset? startedAt = null,
        int? processId = null,
        string? threadName = null,
        DateTimeOffset? finishedAt = null)
    {
        if (!job.TryMarkDone(status, out bool wasSent))
        {
            return false;
        }

        Record(job, status, value, exception, startedAt, processId, threadName, wasSent, finishedAt);
        return true;
    }

    /// <summary>Feeds outcomes to the collectors, one at a time, until the queue is drained or the host stops.</summary>
    internal async Task RunCollectorAsync(IReadOnlyList<IMpmsCollector<TJob, TResult>> collectors, CancellationToken cancellationToken)
    {
        ChannelReader<MpmsResult<TJob, TResult>> reader = _results!.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out MpmsResult<TJob, TResult>? result))
            {
                foreach (IMpmsCollector<TJob, TResult> collector in collectors)
                {
                    try
                    {
                        await collector.CollectAsync(result, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        PoolLog.CollectorFailed(_logger, PoolName, result.JobId, collector.GetType().Name, ex);
                    }
                }

                Interlocked.Increment(ref _collected);
                CheckDrained();
            }
        }
    }

    private void Record(
        PendingJob<TJob, TResult> job,
        MpmsJobStatus status,
        TResult? value,
        Exception? exception,
        DateTimeOffset? startedAt,
        int? processId,
        string? threadName,
        bool wasSent,
        DateTimeOffset? finishedAt)
    {
        if (wasSent)
        {
            Interlocked.Decrement(ref _running);
        }

        Interlocked.Increment(ref OutcomeCounter(status));
        DateTimeOffset finished = finishedAt ?? DateTimeOffset.UtcNow;
        _telemetry.JobCompleted(_poolTag, status, job.EnqueuedAt, startedAt, finished);
        _results?.Writer.TryWrite(new MpmsResult<TJob, TResult>(
            PoolName, job.JobId, job.Job, status, value, exception, job.Attempt, job.EnqueuedAt, startedAt, finished, processId, threadName, _meta));

        // Counted as recorded only once written: the result stream is closed when every outcome is, never before one is written.
        Interlocked.Increment(ref _recorded);

        // The caller's continuation runs after the collector could have seen the outcome, never before it is counted.
        job.Complete(value, exception);
        CheckDrained();
    }

    private ref long OutcomeCounter(MpmsJobStatus status)
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

    private void CheckDrained()
    {
        // Per outcome while the pool runs: one volatile read, no lock.
        if (_state is MpmsPoolState.Running or MpmsPoolState.NotStarted)
        {
            return;
        }

        bool completing;
        long accepted;
        lock (_gate)
        {
            completing = _state is MpmsPoolState.Completing or MpmsPoolState.Stopped;
            accepted = _accepted;
        }

        if (!completing || Interlocked.Read(ref _recorded) != accepted)
        {
            return;
        }

        _results?.Writer.TryComplete();
        if (!HasCollector || Interlocked.Read(ref _collected) == accepted)
        {
            _drained.TrySetResult();
        }
    }

    private MpmsJobHandle<TResult> Accept(TJob job, byte[] payload, int length)
    {
        long sequence;
        lock (_gate)
        {
            if (_state != MpmsPoolState.Running || _failure is not null)
            {
                _admission.Release();
                System.Buffers.ArrayPool<byte>.Shared.Return(payload);
                ThrowNotAccepting(_state);
            }

            sequence = ++_sequence;
            _accepted++;
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        var pending = new PendingJob<TJob, TResult>(this, job, sequence, JobIds.High(now, _instance), now, payload, length);
        pending.HoldAdmission();
        if (Activity.Current is not null || MpmsTelemetry.Tracing.HasListeners())
        {
            pending.TraceParent = StartTrace(pending);
        }

        _telemetry.JobEnqueued(_poolTag);
        _queue.Enqueue(pending);

        // A stop or a failure between the check above and here emptied the queue before this job joined it.
        if (CurrentState == MpmsPoolState.Stopped)
        {
            CancelQueued("the pool stopped");
        }
        else if (_failure is { } failure)
        {
            FailQueued(failure);
        }

        return pending;
    }

    /// <summary>Records the put as a producer activity and returns the trace parent the worker's activity continues.</summary>
    private string? StartTrace(PendingJob<TJob, TResult> job)
    {
        using Activity? activity = MpmsTelemetry.Tracing.StartActivity($"{PoolName} publish", ActivityKind.Producer);
        if (activity is not null)
        {
            activity.SetTag("mpms.pool", PoolName);
            activity.SetTag("mpms.job_id", job.JobId);
        }

        Activity? context = activity ?? Activity.Current;
        return context?.IdFormat == ActivityIdFormat.W3C ? context.Id : null;
    }

    private async ValueTask<MpmsJobHandle<TResult>> WaitForRoomAsync(TJob job, byte[] payload, int length, CancellationToken cancellationToken)
    {
        try
        {
            using var waitCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _completing.Token);
            await _admission.WaitAsync(waitCancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(payload);
            ThrowNotAccepting(CurrentState);
        }
        catch
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(payload);
            throw;
        }

        return Accept(job, payload, length);
    }

    private void ReleaseAdmission(PendingJob<TJob, TResult> job)
    {
        if (job.TryReleaseAdmission())
        {
            _admission.Release();
        }
    }

    private byte[] Serialize(TJob job, out int length)
    {
        PooledBufferWriter buffer = t_serializationBuffer ??= new PooledBufferWriter();
        buffer.Clear();
        try
        {
            _serializer.Serialize(job, buffer);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new MpmsSerializationException(
                $"A job of type '{job!.GetType().FullName}' cannot be serialised for pool '{PoolName}': {ex.Message}", ex);
        }

        if (buffer.WrittenCount > Options.MaxMessageSize)
        {
            int size = buffer.WrittenCount;
            buffer.Clear();
            throw new MpmsSerializationException(
                $"A job of type '{job!.GetType().FullName}' is {size} bytes serialised, more than MaxMessageSize ({Options.MaxMessageSize}) of pool '{PoolName}'.");
        }

        return buffer.Detach(out length);
    }

    private void ThrowIfNotAccepting()
    {
        MpmsPoolState state = CurrentState;
        if (state != MpmsPoolState.Running || _failure is not null)
        {
            ThrowNotAccepting(state);
        }
    }

    [DoesNotReturn]
    private void ThrowNotAccepting(MpmsPoolState state)
    {
        if (state == MpmsPoolState.Running && _failure is { } failure)
        {
            throw new MpmsPoolFailedException(failure);
        }

        throw NotAccepting(state);
    }

    private InvalidOperationException NotAccepting(MpmsPoolState state) => new(state switch
    {
        MpmsPoolState.NotStarted => $"Pool '{PoolName}' has not started: start the host before putting jobs on its queue.",
        MpmsPoolState.Stopped => $"Pool '{PoolName}' has stopped: it accepts no more jobs.",
        _ => $"Pool '{PoolName}' is completed: it accepts no more jobs after Complete() or once the host is stopping.",
    });

    // Non-generic routing for IMpmsQueue: the job's runtime type is checked by the router before it gets here.
    async ValueTask<MpmsJobHandle<T>> IJobRoute.PutAsync<T>(object job, CancellationToken cancellationToken) =>
        (MpmsJobHandle<T>)(object)await PutAsync((TJob)job, cancellationToken).ConfigureAwait(false);

    bool IJobRoute.TryPut<T>(object job, [NotNullWhen(true)] out MpmsJobHandle<T>? handle)
    {
        bool accepted = TryPut((TJob)job, out MpmsJobHandle<TResult>? typed);
        handle = (MpmsJobHandle<T>?)(object?)typed;
        return accepted;
    }

    Task<T> IJobRoute.RunAsync<T>(object job, CancellationToken cancellationToken) =>
        (Task<T>)(object)RunAsync((TJob)job, cancellationToken);
}
