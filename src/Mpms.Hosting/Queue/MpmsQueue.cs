using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Putting jobs on one pool: serialise at once (so a bad job fails in the caller), take a place in the queue (waiting
/// while it is full), record the put as a trace, and hand the job to the queue. Also the pool's route for the
/// non-generic <see cref="IMpmsQueue"/>.
/// </summary>
internal sealed partial class MpmsQueue<TJob, TResult> : IMpmsQueue<TJob, TResult>, IJobRoute
{
    private readonly QueueGate _gate;
    private readonly JobQueue<TJob, TResult> _jobs;
    private readonly JobSerializer<TJob> _serializer;
    private readonly MpmsTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly KeyValuePair<string, object?> _poolTag;
    private readonly ushort _instance = JobIds.NewInstance();

    public MpmsQueue(string poolName, QueueGate gate, JobQueue<TJob, TResult> jobs, JobSerializer<TJob> serializer, MpmsTelemetry telemetry, TimeProvider time)
    {
        PoolName = poolName;
        _gate = gate;
        _jobs = jobs;
        _serializer = serializer;
        _telemetry = telemetry;
        _time = time;
        _poolTag = new KeyValuePair<string, object?>("mpms.pool", poolName);
    }

    public string PoolName { get; }

    /// <summary>Gets or sets where accepted jobs go instead of this host's queue (a broker); set before the pool starts.</summary>
    public IJobForwarder? Forwarder { get; set; }

    /// <summary>Gets the serializer of the pool's jobs and results.</summary>
    public IMpmsSerializer Serializer => _serializer.Serializer;

    Type IJobRoute.JobType => typeof(TJob);

    Type IJobRoute.ResultType => typeof(TResult);

    public ValueTask<MpmsJobHandle<TResult>> PutAsync(TJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        _gate.ThrowIfNotAccepting();
        return PutCore(job, options: null, runAt: null, cancellationToken);
    }

    public ValueTask<MpmsJobHandle<TResult>> PutAsync(TJob job, MpmsPutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        DateTimeOffset? runAt = Check(options);
        return PutCore(job, options, runAt, cancellationToken);
    }

    public bool TryPut(TJob job, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle)
    {
        ArgumentNullException.ThrowIfNull(job);
        _gate.ThrowIfNotAccepting();
        return TryPutCore(job, options: null, runAt: null, out handle);
    }

    public bool TryPut(TJob job, MpmsPutOptions options, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle)
    {
        ArgumentNullException.ThrowIfNull(job);
        DateTimeOffset? runAt = Check(options);
        return TryPutCore(job, options, runAt, out handle);
    }

    public Task<TResult> RunAsync(TJob job, CancellationToken cancellationToken = default) =>
        RunCoreAsync(job, options: null, cancellationToken);

    public Task<TResult> RunAsync(TJob job, MpmsPutOptions options, CancellationToken cancellationToken = default) =>
        RunCoreAsync(job, options ?? throw new ArgumentNullException(nameof(options)), cancellationToken);

    /// <summary>Validates a put's options and says when the job may run (<see langword="null"/>: now).</summary>
    private DateTimeOffset? Check(MpmsPutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset? runAt = options.RunAt(now);
        if (Forwarder is { } forwarder && Uncarried(options, forwarder, runAt - now) is { } uncarried)
        {
            throw new NotSupportedException(
                $"Pool '{PoolName}' runs its jobs through a broker, which does not carry a job's {uncarried}: put the job without it.");
        }

        _gate.ThrowIfNotAccepting();
        return runAt;
    }

    /// <summary>Names the options of a put that the forwarder cannot take to where the job runs, or <see langword="null"/>.</summary>
    private static string? Uncarried(MpmsPutOptions options, IJobForwarder forwarder, TimeSpan? wait)
    {
        bool priority = options.Priority != 0 && !forwarder.CarriesPriority;
        bool delay = wait > forwarder.MaxDelay;

        // A job's retry policy travels with it to the host that runs it; code (a predicate) cannot.
        bool predicate = options.Retry?.ShouldRetry is not null;
        if (!priority && !delay && !predicate)
        {
            return null;
        }

        List<string> names = [];
        if (priority)
        {
            names.Add(nameof(options.Priority));
        }

        if (delay)
        {
            names.Add(forwarder.MaxDelay > TimeSpan.Zero ? $"Delay or NotBefore beyond {forwarder.MaxDelay}" : "Delay or NotBefore");
        }

        if (predicate)
        {
            names.Add($"{nameof(options.Retry)}.{nameof(MpmsRetryOptions.ShouldRetry)} (a predicate does not travel with the job)");
        }

        return string.Join(", ", names);
    }

    /// <summary>Serialises the job, takes a place (a scheduled one for a job that waits for its time) and accepts it.</summary>
    private ValueTask<MpmsJobHandle<TResult>> PutCore(TJob job, MpmsPutOptions? options, DateTimeOffset? runAt, CancellationToken cancellationToken)
    {
        byte[] payload = _serializer.Serialize(job, out int length);
        PlaceKind place = runAt is null ? PlaceKind.Queue : PlaceKind.Schedule;
        if (_gate.Places.TryTake(place))
        {
            return Handed(Accept(job, payload, length, place, options, runAt), cancellationToken);
        }

        // A collector that puts follow-up jobs (a crawler) would otherwise wait for room that only its own return frees.
        if (ResultFeed<TJob, TResult>.IsCollecting)
        {
            return Handed(Accept(job, payload, length, PlaceKind.None, options, runAt), cancellationToken);
        }

        return WaitForPlaceAsync(job, payload, length, place, options, runAt, cancellationToken);
    }

    private bool TryPutCore(TJob job, MpmsPutOptions? options, DateTimeOffset? runAt, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle)
    {
        byte[] payload = _serializer.Serialize(job, out int length);
        PlaceKind place = runAt is null ? PlaceKind.Queue : PlaceKind.Schedule;
        if (!_gate.Places.TryTake(place))
        {
            JobSerializer<TJob>.Return(payload);
            handle = null;
            return false;
        }

        PendingJob<TJob, TResult> accepted = Accept(job, payload, length, place, options, runAt);
        Forwarder?.Forward(accepted);
        handle = accepted;
        return true;
    }

    private async Task<TResult> RunCoreAsync(TJob job, MpmsPutOptions? options, CancellationToken cancellationToken)
    {
        var handle = (PendingJob<TJob, TResult>)(options is null
            ? await PutAsync(job, cancellationToken).ConfigureAwait(false)
            : await PutAsync(job, options, cancellationToken).ConfigureAwait(false));
        if (!cancellationToken.CanBeCanceled)
        {
            return await handle.Completion.ConfigureAwait(false);
        }

        using (cancellationToken.UnsafeRegister(static (state, token) => ((PendingJob<TJob, TResult>)state!).Cancel(token), handle))
        {
            return await handle.Completion.ConfigureAwait(false);
        }
    }

    // Pooled: a fast producer at a full queue comes here on nearly every put, and a new state machine each time was
    // most of its bytes.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<MpmsJobHandle<TResult>> WaitForPlaceAsync(TJob job, byte[] payload, int length, PlaceKind place, MpmsPutOptions? options, DateTimeOffset? runAt, CancellationToken cancellationToken)
    {
        try
        {
            await _gate.TakePlaceAsync(place, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            JobSerializer<TJob>.Return(payload);
            throw;
        }

        return await Handed(Accept(job, payload, length, place, options, runAt), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The handle of an accepted job, once a forwarder (if there is one) has made the job durable.</summary>
    private ValueTask<MpmsJobHandle<TResult>> Handed(PendingJob<TJob, TResult> job, CancellationToken cancellationToken) =>
        Forwarder is { } forwarder ? ForwardAsync(forwarder, job, cancellationToken) : ValueTask.FromResult<MpmsJobHandle<TResult>>(job);

    private static async ValueTask<MpmsJobHandle<TResult>> ForwardAsync(IJobForwarder forwarder, PendingJob<TJob, TResult> job, CancellationToken cancellationToken)
    {
        await forwarder.ForwardAsync(job, cancellationToken).ConfigureAwait(false);
        return job;
    }

    /// <summary>Admits a put that holds a place (or none, for a collector's), and queues or schedules it.</summary>
    private PendingJob<TJob, TResult> Accept(TJob job, byte[] payload, int length, PlaceKind place, MpmsPutOptions? options, DateTimeOffset? runAt)
    {
        long sequence;
        try
        {
            sequence = _gate.Admit(place);
        }
        catch
        {
            JobSerializer<TJob>.Return(payload);
            throw;
        }

        DateTimeOffset now = _time.GetUtcNow();
        var pending = new PendingJob<TJob, TResult>(_jobs, job, sequence, JobIds.High(now, _instance), now, payload, length, place, options);
        if (Activity.Current is not null || MpmsTelemetry.Tracing.HasListeners())
        {
            pending.TraceParent = StartTrace(pending);
        }

        _telemetry.JobEnqueued(_poolTag);
        if (Forwarder is { } forwarder)
        {
            // A broker holds a delayed job until its time as well (durably): the forwarder sends it to run at ReadyAt.
            pending.ReadyAt = runAt ?? now;
            _jobs.LeaseToForwarder(pending, forwarder);
        }
        else if (runAt is { } at)
        {
            _jobs.Schedule(pending, at);
        }
        else
        {
            _jobs.Enqueue(pending);
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

    // Non-generic routing for IMpmsQueue: the job's runtime type is checked by the router before it gets here.
    async ValueTask<MpmsJobHandle<T>> IJobRoute.PutAsync<T>(object job, MpmsPutOptions? options, CancellationToken cancellationToken) =>
        (MpmsJobHandle<T>)(object)(options is null
            ? await PutAsync((TJob)job, cancellationToken).ConfigureAwait(false)
            : await PutAsync((TJob)job, options, cancellationToken).ConfigureAwait(false));

    bool IJobRoute.TryPut<T>(object job, MpmsPutOptions? options, [NotNullWhen(true)] out MpmsJobHandle<T>? handle)
    {
        MpmsJobHandle<TResult>? typed;
        bool accepted = options is null ? TryPut((TJob)job, out typed) : TryPut((TJob)job, options, out typed);
        handle = (MpmsJobHandle<T>?)(object?)typed;
        return accepted;
    }

    Task<T> IJobRoute.RunAsync<T>(object job, MpmsPutOptions? options, CancellationToken cancellationToken) =>
        (Task<T>)(object)(options is null ? RunAsync((TJob)job, cancellationToken) : RunAsync((TJob)job, options, cancellationToken));
}
