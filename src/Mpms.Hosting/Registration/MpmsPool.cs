using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Supervision;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Registration;

/// <summary>
/// One pool as the host runs it: its queue and its supervisor, started together and stopped in stages — the queue is
/// completed, accepted jobs finish while processes are still replaced, the processes drain and exit, what is left is
/// killed or canceled, and the collector sees the last outcome.
/// </summary>
internal sealed class MpmsPool<TJob, TResult> : IMpmsPool<TJob, TResult>, ISupervisedPool, IPoolStatus, IHostedService, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly PoolQueue<TJob, TResult> _queue;
    private readonly Func<IReadOnlyList<IMpmsCollector<TJob, TResult>>> _collectors;
    private readonly MpmsTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly TimeSpan _shutdownTimeout;
    private readonly CancellationTokenSource _collecting = new();
    private readonly IPoolBrokerSession? _broker;

    // Ends the graceful stages of the stop: canceled by the token of whichever stop call reaches its deadline first.
    private readonly CancellationTokenSource _stopDeadline = new();
    private Task _collectorLoop = Task.CompletedTask;
    private Task<bool>? _stopping;
    private bool _started;
    private int _disposed;

    /// <param name="queue">The pool's queue room.</param>
    /// <param name="supervisor">The pool's processes.</param>
    /// <param name="collectors">Resolves the pool's collectors when it starts.</param>
    /// <param name="telemetry">The library's metrics.</param>
    /// <param name="loggerFactory">The application's logging.</param>
    /// <param name="shutdownTimeout">How long a stop may take when the host is disposed without being stopped (the host's own shutdown timeout).</param>
    /// <param name="broker">The broker the pool's jobs go through, when several hosts share them.</param>
    public MpmsPool(PoolQueue<TJob, TResult> queue, PoolSupervisor supervisor, Func<IReadOnlyList<IMpmsCollector<TJob, TResult>>> collectors, MpmsTelemetry telemetry, ILoggerFactory loggerFactory, TimeSpan shutdownTimeout, IPoolBrokerSession? broker = null)
    {
        _broker = broker;
        _shutdownTimeout = shutdownTimeout;
        _queue = queue;
        Supervisor = supervisor;
        _collectors = collectors;
        _telemetry = telemetry;
        _logger = loggerFactory.CreateLogger("Mpms.Hosting.Supervisor");
    }

    public string Name => _queue.PoolName;

    string IPoolStatus.PoolName => Name;

    public int ConfiguredProcesses => Supervisor.ConfiguredProcesses;

    /// <summary>Gets where jobs are put.</summary>
    public MpmsQueue<TJob, TResult> Queue => _queue.Puts;

    /// <summary>Gets the pool's supervisor (tests watch its changes and the processes it started).</summary>
    public PoolSupervisor Supervisor { get; }

    QueueGate ISupervisedPool.Gate => _queue.Gate;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_broker is not null)
        {
            await _broker.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        _queue.Gate.Start();
        lock (_lock)
        {
            _started = true;
        }

        _telemetry.Register(this);
        _queue.Sampler.Start();
        IReadOnlyList<IMpmsCollector<TJob, TResult>> collectors = _collectors();
        if (collectors.Count > 0)
        {
            _collectorLoop = _queue.Feed.RunCollectorsAsync(collectors, _collecting.Token);
        }

        Supervisor.Start();
    }

    public Task StopAsync(CancellationToken cancellationToken) => StopCoreAsync(cancellationToken);

    public async Task<bool> ShutdownAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        if (_queue.Gate.State == MpmsPoolState.NotStarted)
        {
            throw new InvalidOperationException($"Pool '{Name}' has not started: start the host first.");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        return await StopCoreAsync(deadline.Token).ConfigureAwait(false);
    }

    public void Complete() => _queue.Complete();

    public Task WaitForCompletionAsync(CancellationToken cancellationToken = default) => _queue.Ledger.Drained.WaitAsync(cancellationToken);

    public IAsyncEnumerable<MpmsResult<TJob, TResult>> ReadResultsAsync(CancellationToken cancellationToken = default) =>
        _queue.Feed.ReadAll(cancellationToken);

    public MpmsPoolStats GetStats()
    {
        Supervisor.LookForStartedJobs(); // Running and HeldAhead count the starts workers recorded without a frame
        MpmsPoolStats stats = _queue.Snapshot();
        SupervisorSnapshot processes = Supervisor.Snapshot();
        MpmsPoolHealth health = stats.Health == MpmsPoolHealth.Failed ? MpmsPoolHealth.Failed : processes.Health;
        return stats with
        {
            Health = _broker is { Health: var broker } && broker > health ? broker : health,
            ProcessesConfigured = Supervisor.ConfiguredProcesses,
            ProcessesAlive = processes.Alive,
            ProcessesReady = processes.Ready,
            ProcessesStarting = processes.Starting,
            WarmSparesReady = processes.SparesReady,
            ConsecutiveStartFailures = processes.ConsecutiveStartFailures,
            Restarts = processes.Restarts,
            RestartsInWindow = processes.RestartsInWindow,
        };
    }

    public MpmsPoolDetails GetDetails()
    {
        MpmsPoolStats stats = GetStats();
        (MpmsProcessInfo[] processes, MpmsProcessExitInfo[] exits) = Supervisor.Describe();
        return new MpmsPoolDetails
        {
            PoolName = Name,
            TakenAt = _queue.Time.GetUtcNow(),
            Stats = stats,
            ThreadsPerProcess = Supervisor.ThreadsPerProcess,
            Processes = processes,
            RecentExits = exits,
            SampleInterval = ThroughputSampler.Interval,
            Throughput = _queue.Sampler.Samples(),
            RecentFailures = _queue.Ledger.Failures.Newest(),
        };
    }

    public async ValueTask DisposeAsync()
    {
        // The container may hold this pool under several services; the first disposal stops it, the others find it done.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Reached without a stop when the host failed to start or was disposed unstopped: stop as a stop would, within
        // the host's shutdown timeout, so that every job gets its outcome and no process is left. Nothing escapes.
        try
        {
            using var deadline = new CancellationTokenSource(_shutdownTimeout);
            await StopCoreAsync(deadline.Token).ConfigureAwait(false);
            await Supervisor.DisposeAsync().ConfigureAwait(false);
            if (_broker is not null)
            {
                await _broker.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            HostingLog.DisposeFailed(_logger, Name, ex);
        }

        _telemetry.Unregister(this);
        _queue.Dispose();
        _collecting.Dispose();
        _stopDeadline.Dispose();
    }

    /// <summary>Stops once, whoever asks; every caller's token counts, so the earliest deadline ends the waiting for all.</summary>
    private async Task<bool> StopCoreAsync(CancellationToken cancellationToken)
    {
        Task<bool> stopping;
        lock (_lock)
        {
            stopping = _stopping ??= _started ? StopOnceAsync(_stopDeadline.Token) : Task.FromResult(true);
        }

        using CancellationTokenRegistration deadline = cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _stopDeadline);
        return await stopping.ConfigureAwait(false);
    }

    private async Task<bool> StopOnceAsync(CancellationToken deadline)
    {
        await Task.Yield();
        _queue.Complete();

        // Jobs waiting for a time (a delay, a retry) could outwait any shutdown timeout: they end now, as canceled.
        _queue.CancelScheduled("the pool is stopping");
        _broker?.StopTaking();
        MpmsPoolStats stats = _queue.Ledger.Snapshot();
        SupervisorLog.PoolStopping(_logger, Name, stats.Queued, stats.Running);

        // Stage 1: every accepted job gets its outcome while the supervisor still replaces processes that die.
        bool drained = await WaitAsync(_queue.Ledger.Drained, deadline).ConfigureAwait(false);

        // Stage 2: the processes run their finalizers and exit; what outlives the deadline is killed.
        await Supervisor.StopAsync(deadline).ConfigureAwait(false);
        if (_broker is not null)
        {
            await _broker.StopAsync(deadline).ConfigureAwait(false);
        }

        // Stage 3: jobs that never ran are canceled; late outcomes still reach the collector unless the deadline passed.
        _queue.Stop("the pool stopped before it could run");
        if (!await WaitAsync(_collectorLoop, deadline).ConfigureAwait(false))
        {
            await _collecting.CancelAsync().ConfigureAwait(false);
            await _collectorLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        SupervisorLog.PoolStopped(_logger, Name, drained);
        return drained;
    }

    private static async Task<bool> WaitAsync(Task task, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
