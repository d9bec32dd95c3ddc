using System.Diagnostics;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Dispatch;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// Keeps a pool's worker processes alive: starts <see cref="MpmsOptions.Processes"/> of them (and
/// <see cref="MpmsOptions.WarmSpares"/> more, held ready), replaces every one that ends, backs off when they keep failing to start, kills the hung and the overdue, recycles at
/// <see cref="MpmsOptions.ProcessLifetime"/>, and drains them all when the pool stops. It knows the queue only through
/// the dispatch seam: each process's link leases jobs from <see cref="IJobDispatcher"/>.
/// </summary>
/// <remarks>
/// Plain objects over one clock decide — <see cref="ProcessStarts"/> what to start and when, <see cref="ProcessChecks"/>
/// what to do with a process, <see cref="PoolHealthRules"/> how well the pool runs — and each process's life is its
/// <see cref="ProcessRunner"/>'s. This class holds them together: the loop, the lock, the processes' reports, the stop.
/// </remarks>
internal sealed class PoolSupervisor : IProcessEvents, IAsyncDisposable
{
    private readonly SupervisionContext _pool;
    private readonly MpmsOptions _options;
    private readonly IProcessStarter _starter;
    private readonly MpmsTelemetry _telemetry;
    private readonly KeyValuePair<string, object?> _poolTag;
    private readonly ProcessChecks _checks;
    private readonly WakeSignal _wake;
    private readonly CancellationTokenSource _supervising = new();

    // _gate guards every field below (the roster's published copy excepted). Processes are started, counted and removed
    // under it, and the start-failure policy is only ever asked under it, so what the pool decides and what it reports agree.
    private readonly Lock _gate = new();

    // The processes, their runs and every process id started.
    private readonly ProcessRoster _roster = new();
    private readonly ProcessStarts _starts;
    private readonly ProcessExitHistory _exits;
    private bool _started;
    private Task _superviseLoop = Task.CompletedTask;
    private Task? _stopping;
    private bool _stopRequested;

    /// <param name="poolName">The pool's name.</param>
    /// <param name="options">The pool's options.</param>
    /// <param name="dispatcher">The queue's side of the dispatch seam.</param>
    /// <param name="telemetry">The library's metrics.</param>
    /// <param name="loggerFactory">The application's logging.</param>
    /// <param name="starter">Makes what starts the pool's processes, given what the pool's supervision shares.</param>
    /// <param name="timeProvider">The one clock of the supervision; the system's when not given.</param>
    public PoolSupervisor(string poolName, MpmsOptions options, IJobDispatcher dispatcher, MpmsTelemetry telemetry, ILoggerFactory loggerFactory, Func<SupervisionContext, IProcessStarter> starter, TimeProvider? timeProvider = null)
    {
        TimeProvider clock = timeProvider ?? TimeProvider.System;
        _pool = new SupervisionContext(poolName, options, dispatcher, clock, loggerFactory);
        _options = options;
        _starter = starter(_pool);
        _telemetry = telemetry;
        _poolTag = new KeyValuePair<string, object?>("mpms.pool", poolName);
        _checks = new ProcessChecks(options, clock);
        _wake = new WakeSignal(clock);
        _starts = new ProcessStarts(_pool, _starter, _roster, this, OnChanged, _gate);
        _exits = new ProcessExitHistory(clock);
    }

    public int ProcessesReady
    {
        get
        {
            lock (_gate)
            {
                return _roster.CountReady();
            }
        }
    }

    public int ConfiguredProcesses => _options.Processes;

    public int ThreadsPerProcess => _options.ThreadsPerProcess;

    /// <summary>Reads every count of the pool's processes at once, so that they agree with each other.</summary>
    public SupervisorSnapshot Snapshot()
    {
        lock (_gate)
        {
            int ready = _roster.CountReady();
            MpmsPoolHealth health = PoolHealthRules.Evaluate(new PoolHealthSnapshot(_options.Processes, ready, _starts.FailureState));
            return new SupervisorSnapshot(health, _roster.Count, ready, _roster.CountStarting(), _roster.CountSparesReady(), _starts.ConsecutiveFailures, _starts.Restarts, _starts.RecentRestarts());
        }
    }

    /// <summary>Describes the pool's processes, in the order they were started, and how the last ones ended, newest first.</summary>
    public (MpmsProcessInfo[] Processes, MpmsProcessExitInfo[] RecentExits) Describe()
    {
        ProcessRunner[] children;
        MpmsProcessExitInfo[] exits;
        lock (_gate)
        {
            children = _roster.Copy();
            exits = _exits.Newest();
        }

        // Outside the gate: each reads its process's memory from the operating system.
        return ([.. children.Select(static c => c.Describe())], exits);
    }

    /// <summary>Gets the path of the pool's socket while it runs (for tests of the link's defences).</summary>
    internal string? Endpoint => (_starter as OsProcessStarter)?.Endpoint;

    /// <summary>Gets the ids of every operating-system process this supervisor started, in order (for tests that check nothing is left behind).</summary>
    internal IReadOnlyList<int> StartedProcessIds
    {
        get
        {
            lock (_gate)
            {
                return _roster.StartedProcessIds;
            }
        }
    }

    /// <summary>
    /// Reads every process's start marks now and records the jobs held ahead that started since (no system call): for a
    /// put that finds the queue full, and for the pool's stats.
    /// </summary>
    public void LookForStartedJobs()
    {
        foreach (ProcessRunner child in _roster.Published)
        {
            child.LookForStartedJobs();
        }
    }

    /// <summary>Raised on every change the supervisor sees: tests wait on it instead of sleeping.</summary>
    internal event Action? Changed;

    /// <summary>Opens what the pool's processes connect to and starts them; a pool starts once.</summary>
    public void Start()
    {
        lock (_gate)
        {
            // A second start must change nothing of the running pool.
            if (_started)
            {
                throw new InvalidOperationException($"Pool '{_pool.PoolName}' has already been started; a pool starts once.");
            }

            // Opened first: a starter that cannot start workers throws here, and there is nothing to stop.
            _starter.Open();
            _started = true;
        }

        SupervisorLog.PoolStarting(_pool.Logger, _pool.PoolName, _options.Processes, _options.ThreadsPerProcess, _starter.Program);
        _superviseLoop = SuperviseAsync(_supervising.Token);
    }

    /// <summary>
    /// Drains every process (its threads and process run their finalizers, then it exits), kills what outlives
    /// <paramref name="deadline"/>, and closes the pool's socket. Once, whoever asks; later calls wait for the first.
    /// </summary>
    public Task StopAsync(CancellationToken deadline)
    {
        lock (_gate)
        {
            return _stopping ??= _started ? StopOnceAsync(deadline) : Task.CompletedTask;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Reached without a stop when the host failed to start or was disposed unstopped: leave no process behind.
        await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        await _starter.DisposeAsync().ConfigureAwait(false); // a pool never started has its starter still
        _supervising.Dispose();
    }

    void IProcessEvents.OnChanged() => OnChanged();

    /// <summary>A process got a thread past every initializer: starts go on at once, and a failed pool recovers.</summary>
    void IProcessEvents.OnStarted()
    {
        lock (_gate)
        {
            _starts.OnStartSucceeded();
        }

        OnChanged();
    }

    bool IProcessEvents.OnExited(ProcessRunner runner, ProcessExit exit)
    {
        lock (_gate)
        {
            bool removed = _roster.Remove(runner);
            Debug.Assert(removed, "A process exits once.");
            _exits.Record(runner.Lifecycle, exit);
            if (_stopRequested)
            {
                return false;
            }

            _telemetry.ProcessRestarted(_poolTag, exit.Reason);
            _starts.OnExited(exit);
            return true;
        }
    }

    private async Task StopOnceAsync(CancellationToken deadline)
    {
        await Task.Yield();
        ProcessRunner[] children;
        Task[] runs;
        lock (_gate)
        {
            // From here on no process is started, so the runs are all there are.
            _stopRequested = true;
            children = _roster.Copy();
            runs = _roster.Runs();
        }

        await StagedStop.RunAsync(children, runs, deadline).ConfigureAwait(false);
        await _supervising.CancelAsync().ConfigureAwait(false);
        await _superviseLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _starter.DisposeAsync().ConfigureAwait(false); // every process has ended: nothing connects or is started any more
        OnChanged();
    }

    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan untilNextStart;
            try
            {
                untilNextStart = Reconcile();
                CheckProcesses();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The loop must survive anything one pass meets, or the pool would stop healing itself.
                SupervisorLog.SupervisionFailed(_pool.Logger, _pool.PoolName, ex);
                untilNextStart = _options.RestartDelay;
            }

            // The checks (timeouts, heartbeats, lifetimes) need a tick even when nothing else happens.
            TimeSpan wait = untilNextStart == Timeout.InfiniteTimeSpan || untilNextStart > _options.HeartbeatInterval
                ? _options.HeartbeatInterval
                : untilNextStart;
            await _wake.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Starts processes until the pool has its size, unless the pool is stopping.</summary>
    /// <returns>How long until the next start is allowed, when one is due but held back.</returns>
    private TimeSpan Reconcile()
    {
        lock (_gate)
        {
            return _stopRequested ? Timeout.InfiniteTimeSpan : _starts.FillPlaces();
        }
    }

    /// <summary>Finds processes that are hung, overdue, too old or too slow to start or to leave, and deals with them.</summary>
    private void CheckProcesses()
    {
        ProcessRunner[] children;
        bool stopping;
        lock (_gate)
        {
            children = _roster.Copy();
            stopping = _stopRequested;
        }

        foreach (ProcessRunner child in children)
        {
            ProcessAction action = _checks.Decide(child.Snapshot(), stopping);
            if (action.Kind == ProcessActionKind.None)
            {
                continue;
            }

            child.Carry(action);
            if (action.Kind == ProcessActionKind.Recycle)
            {
                _wake.Set(); // its replacement starts now, before it leaves
            }
        }
    }

    private void OnChanged()
    {
        // A process became ready (the pool may have recovered) or is leaving (it needs a replacement): look now.
        _wake.Set();
        Changed?.Invoke();
    }
}
