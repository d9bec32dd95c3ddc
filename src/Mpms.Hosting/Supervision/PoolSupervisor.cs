using System.Diagnostics;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Dispatch;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// Keeps a pool's worker processes alive: starts <see cref="MpmsOptions.Processes"/> of them, replaces every one that
/// ends, backs off when they keep failing to start, kills the hung and the overdue, recycles at
/// <see cref="MpmsOptions.ProcessLifetime"/>, and drains them all when the pool stops. It knows the queue only through
/// the dispatch seam: each process's link leases jobs from <see cref="IJobDispatcher"/>.
/// </summary>
internal sealed class PoolSupervisor : IAsyncDisposable
{
    private static readonly TimeSpan LinkClosedExitGrace = TimeSpan.FromSeconds(5);

    private readonly string _poolName;
    private readonly IJobDispatcher _dispatcher;
    private readonly MpmsOptions _options;
    private readonly ILogger _logger;
    private readonly ILogger _outputLogger;
    private readonly ForwardedLogWriter _forwardedLogs;
    private readonly MpmsTelemetry _telemetry;
    private readonly KeyValuePair<string, object?> _poolTag;
    private readonly Lock _gate = new();
    private readonly List<Child> _children = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _supervising = new();
    private WorkerListener? _listener;
    private WorkerCommandLine? _commandLine;
    private WorkerSettings? _settings;
    private Task _superviseLoop = Task.CompletedTask;
    private Task? _stopping;
    private bool _stopRequested;
    private bool _failed;
    private int _nextNumber;
    private int _spawned;
    private long _restarts;
    private int _consecutiveFailures;
    private long _nextSpawnAt;
    private readonly Queue<long> _recentStartFailures = new();

    public PoolSupervisor(string poolName, MpmsOptions options, IJobDispatcher dispatcher, MpmsTelemetry telemetry, ILoggerFactory loggerFactory)
    {
        _poolName = poolName;
        _options = options;
        _dispatcher = dispatcher;
        _telemetry = telemetry;
        _poolTag = new KeyValuePair<string, object?>("mpms.pool", poolName);
        _logger = loggerFactory.CreateLogger("Mpms.Hosting.Supervisor");
        _outputLogger = loggerFactory.CreateLogger("Mpms.Hosting.Worker");
        _forwardedLogs = new ForwardedLogWriter(loggerFactory);
    }

    public int ProcessesAlive
    {
        get
        {
            lock (_gate)
            {
                return _children.Count;
            }
        }
    }

    public int ProcessesReady
    {
        get
        {
            lock (_gate)
            {
                return _children.Count(c => c.Process.State == WorkerProcessState.Ready);
            }
        }
    }

    public long Restarts => Interlocked.Read(ref _restarts);

    public int ConfiguredProcesses => _options.Processes;

    /// <summary>Gets how well the pool's processes run.</summary>
    public MpmsPoolHealth Health =>
        Volatile.Read(ref _failed) ? MpmsPoolHealth.Failed
        : Volatile.Read(ref _consecutiveFailures) > 0 ? MpmsPoolHealth.Faulted
        : ProcessesReady < _options.Processes ? MpmsPoolHealth.Degraded
        : MpmsPoolHealth.Healthy;

    /// <summary>Gets the path of the pool's socket while it runs (for tests of the link's defences).</summary>
    internal string? Endpoint => _listener?.Endpoint;

    /// <summary>Gets the ids of every process this supervisor started (for tests that check nothing is left behind).</summary>
    internal List<int> StartedProcessIds { get; } = [];

    /// <summary>Raised on every change the supervisor sees: tests wait on it instead of sleeping.</summary>
    internal event Action? Changed;

    /// <summary>Opens the pool's socket and starts its processes; a pool starts once.</summary>
    public void Start()
    {
        lock (_gate)
        {
            // A second start must change nothing of the running pool.
            if (_listener is not null)
            {
                throw new InvalidOperationException($"Pool '{_poolName}' has already been started; a pool starts once.");
            }

            _commandLine = WorkerCommandLine.For(_options);
            _settings = CreateSettings();
            _listener = new WorkerListener(_poolName, _options.SocketDirectory, _logger);
        }

        _listener.Start();
        SupervisorLog.PoolStarting(_logger, _poolName, _options.Processes, _options.ThreadsPerProcess, _commandLine.FileName);
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
            return _stopping ??= _listener is null ? Task.CompletedTask : StopOnceAsync(deadline);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Reached without a stop when the host failed to start or was disposed unstopped: leave no process behind.
        await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        _supervising.Dispose();
        _wake.Dispose();
    }

    private async Task StopOnceAsync(CancellationToken deadline)
    {
        await Task.Yield();
        Child[] children;
        lock (_gate)
        {
            _stopRequested = true;
            children = [.. _children];
        }

        foreach (Child child in children)
        {
            child.Process.RequestExit(MpmsProcessExitReason.Shutdown);
            if (child.Link is null)
            {
                child.Process.Kill(MpmsProcessExitReason.Shutdown);
            }
            else
            {
                child.Link.Drain(MpmsProcessExitReason.Shutdown);
            }
        }

        Task allExited = Task.WhenAll(children.Select(c => c.Run));
        if (!await WaitAsync(allExited, deadline).ConfigureAwait(false))
        {
            // What outlives the deadline is killed; its jobs get the worker-lost outcome.
            foreach (Child child in children.Where(c => !c.Run.IsCompleted))
            {
                SupervisorLog.ShutdownKilling(_logger, _poolName, child.Process.Name);
                child.Process.Kill(MpmsProcessExitReason.Killed);
            }

            await allExited.ConfigureAwait(false);
        }

        await _supervising.CancelAsync().ConfigureAwait(false);
        await _superviseLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _listener!.DisposeAsync().ConfigureAwait(false);
        OnChanged();
    }

    private async Task SuperviseAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan untilNextSpawn;
            try
            {
                untilNextSpawn = Reconcile();
                CheckChildren();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The loop must survive anything one pass meets, or the pool would stop healing itself.
                SupervisorLog.SupervisionFailed(_logger, _poolName, ex);
                untilNextSpawn = _options.RestartDelay;
            }

            // The checks of CheckChildren (timeouts, heartbeats, lifetimes) need a tick even when nothing else happens.
            TimeSpan wait = untilNextSpawn == Timeout.InfiniteTimeSpan || untilNextSpawn > _options.HeartbeatInterval
                ? _options.HeartbeatInterval
                : untilNextSpawn;
            try
            {
                await _wake.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Starts processes until the pool has its size; after failures, one probe at a time, after the back-off.</summary>
    /// <returns>How long until the next start is allowed, when one is due but held back.</returns>
    private TimeSpan Reconcile()
    {
        lock (_gate)
        {
            if (_stopRequested)
            {
                return Timeout.InfiniteTimeSpan;
            }

            int missing = _options.Processes - _children.Count(c => c.Process.IsActive);
            if (missing <= 0)
            {
                return Timeout.InfiniteTimeSpan;
            }

            if (_consecutiveFailures == 0)
            {
                for (int i = 0; i < missing; i++)
                {
                    Spawn();
                }

                return Timeout.InfiniteTimeSpan;
            }

            if (_children.Any(c => c.Process.State == WorkerProcessState.Starting))
            {
                return Timeout.InfiniteTimeSpan; // a probe is on its way; its outcome decides
            }

            TimeSpan remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _nextSpawnAt);
            if (remaining > TimeSpan.Zero)
            {
                return remaining;
            }

            Spawn();
            return Timeout.InfiniteTimeSpan;
        }
    }

    private void Spawn()
    {
        int number = ++_nextNumber;
        (string secret, Task<WorkerConnection> connected) = _listener!.Expect();
        WorkerProcess process;
        try
        {
            process = WorkerProcess.Start(_poolName, number, _commandLine!, _options, _listener.Endpoint, secret, _outputLogger);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            _listener.Forget(secret);
            SupervisorLog.SpawnFailed(_logger, _poolName, MpmsNames.Process(_poolName, number), _commandLine!.FileName, ex);
            RecordStartFailure();
            return;
        }

        if (_spawned++ >= _options.Processes)
        {
            Interlocked.Increment(ref _restarts);
        }

        lock (StartedProcessIds)
        {
            StartedProcessIds.Add(process.ProcessId);
        }

        var child = new Child(process);
        _children.Add(child);
        SupervisorLog.ProcessStarted(_logger, _poolName, process.Name, process.ProcessId);
        child.Run = RunChildAsync(child, secret, connected);
        OnChanged();
    }

    private async Task RunChildAsync(Child child, string secret, Task<WorkerConnection> connected)
    {
        WorkerProcess process = child.Process;
        Task exited = process.WaitForExitAsync(CancellationToken.None);
        try
        {
            await Task.WhenAny(connected, exited).ConfigureAwait(false);
            if (connected.IsCompletedSuccessfully)
            {
                var link = new ProcessLink(_dispatcher, _options, process, connected.Result, _logger, _forwardedLogs, OnChanged, OnProcessStarted);
                child.Link = link;
                OnChanged();
                await link.RunAsync(_settings! with { ProcessNumber = process.Number }, CancellationToken.None).ConfigureAwait(false);
            }

            // Without its link a worker exits by itself at once; one that does not is killed.
            if (!await WaitAsync(exited, LinkClosedExitGrace).ConfigureAwait(false))
            {
                process.Kill(MpmsProcessExitReason.LinkLost);
                await exited.ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            SupervisorLog.SupervisionFailed(_logger, _poolName, ex);
            process.Kill(MpmsProcessExitReason.Killed);
            await exited.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            _listener!.Forget(secret);
        }

        // The process exited as its connection was being accepted (now or in a moment): nobody runs that link, so the
        // connection is closed when it comes.
        if (child.Link is null)
        {
            _ = connected.ContinueWith(
                static accepted => accepted.Result.Link.DisposeAsync().AsTask(),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default).Unwrap();
        }

        ProcessExit exit = process.DescribeExit(child.Link?.Broken ?? false);
        child.Link?.FailInFlight(exit);
        OnChildExited(child, exit);
    }

    private void OnChildExited(Child child, ProcessExit exit)
    {
        lock (_gate)
        {
            _children.Remove(child);
            if (!_stopRequested)
            {
                _telemetry.ProcessRestarted(_poolTag, exit.Reason);
                if (exit.WasStartFailure)
                {
                    RecordStartFailure();
                }
            }
        }

        WorkerProcess process = child.Process;
        if (exit.Reason is MpmsProcessExitReason.Shutdown or MpmsProcessExitReason.Recycled)
        {
            SupervisorLog.ProcessExited(_logger, _poolName, process.Name, process.ProcessId, exit.Describe());
        }
        else
        {
            SupervisorLog.ProcessEndedUnexpectedly(_logger, _poolName, process.Name, process.ProcessId, exit.Describe());
        }

        process.Dispose();
        OnChanged();
    }

    /// <summary>Counts a failed start: backs off, and fails the pool when there were too many within the window.</summary>
    private void RecordStartFailure()
    {
        int failures = Interlocked.Increment(ref _consecutiveFailures);
        TimeSpan delay = RestartBackoff.Delay(failures, _options.RestartDelay, _options.MaxRestartDelay);
        long now = Stopwatch.GetTimestamp();
        _nextSpawnAt = now + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        SupervisorLog.StartFailed(_logger, _poolName, failures, delay);

        _recentStartFailures.Enqueue(now);
        while (Stopwatch.GetElapsedTime(_recentStartFailures.Peek(), now) > _options.RestartWindow)
        {
            _recentStartFailures.Dequeue();
        }

        if (_recentStartFailures.Count >= _options.MaxRestarts && !_failed)
        {
            Volatile.Write(ref _failed, true);
            string reason = $"Pool '{_poolName}' has failed: its worker processes failed to start {_recentStartFailures.Count} times within {_options.RestartWindow} (MaxRestarts {_options.MaxRestarts}). It keeps trying and recovers by itself when a worker process starts; see the log for why they fail.";
            SupervisorLog.PoolFailed(_logger, _poolName, _recentStartFailures.Count, _options.RestartWindow);
            _dispatcher.ReportFailed(reason);
        }
    }

    /// <summary>Finds processes that are hung, overdue, too old or too slow to start or to leave, and deals with them.</summary>
    private void CheckChildren()
    {
        Child[] children;
        lock (_gate)
        {
            children = [.. _children];
        }

        long now = Stopwatch.GetTimestamp();
        foreach (Child child in children)
        {
            WorkerProcess process = child.Process;
            ProcessLink? link = child.Link;
            TimeSpan age = Stopwatch.GetElapsedTime(process.StartedTimestamp, now);
            switch (process.State)
            {
                case WorkerProcessState.Starting when age > _options.StartTimeout:
                    SupervisorLog.StartTimedOut(_logger, _poolName, process.Name, _options.StartTimeout);
                    process.Kill(MpmsProcessExitReason.StartFailed);
                    continue;
                case WorkerProcessState.Ready when _options.ProcessLifetime is TimeSpan lifetime && age > lifetime && link is not null:
                    SupervisorLog.ProcessRecycling(_logger, _poolName, process.Name, lifetime);
                    process.RequestExit(MpmsProcessExitReason.Recycled);
                    link.Drain(MpmsProcessExitReason.Recycled);
                    _wake.Release();
                    break;
                case WorkerProcessState.Draining:
                    child.DrainingSince ??= now;
                    if (!_stopRequested && Stopwatch.GetElapsedTime(child.DrainingSince.Value, now) > _options.DrainTimeout)
                    {
                        SupervisorLog.DrainTimedOut(_logger, _poolName, process.Name, _options.DrainTimeout);
                        process.Kill(MpmsProcessExitReason.Killed);
                        continue;
                    }

                    break;
            }

            if (link is null)
            {
                continue;
            }

            if (child.Killing)
            {
                continue;
            }

            // A starting process is governed by StartTimeout: it may be busy loading before it is ready.
            TimeSpan silent = TimeSpan.FromMilliseconds(Environment.TickCount64 - link.LastSeen);
            if (process.State != WorkerProcessState.Starting && silent > _options.HeartbeatTimeout)
            {
                SupervisorLog.ProcessHung(_logger, _poolName, process.Name, process.ProcessId, silent);
                KillWithEvidence(child, link, MpmsProcessExitReason.HeartbeatTimeout);
                continue;
            }

            // The child enforces JobTimeout itself; this catches a child that could not (its own timer starved).
            if (_options.JobTimeout is TimeSpan taskTimeout
                && link.FindOverdue(taskTimeout + _options.JobTimeoutGrace + _options.HeartbeatTimeout) is var (lease, leaseAge))
            {
                SupervisorLog.JobOverdue(_logger, _poolName, process.Name, lease.JobId, leaseAge);
                KillWithEvidence(child, link, MpmsProcessExitReason.JobTimeout);
                link.TimeOut(lease, leaseAge);
            }
        }
    }

    /// <summary>A process got a thread past every initializer: starts work again, and the pool has recovered if it was failing.</summary>
    private void OnProcessStarted()
    {
        lock (_gate)
        {
            if (_consecutiveFailures > 0)
            {
                SupervisorLog.PoolRecovered(_logger, _poolName, _consecutiveFailures);
                Volatile.Write(ref _consecutiveFailures, 0);
                _recentStartFailures.Clear();
                if (_failed)
                {
                    Volatile.Write(ref _failed, false);
                    _dispatcher.ReportRecovered();
                }
            }
        }

        OnChanged();
    }

    private void OnChanged()
    {
        // A process became ready (the pool may have recovered) or is leaving (it needs a replacement): look now.
        _wake.Release();
        Changed?.Invoke();
    }

    /// <summary>Logs what the process was running, writes a dump if configured, then kills it; off the supervision loop.</summary>
    private void KillWithEvidence(Child child, ProcessLink link, MpmsProcessExitReason reason)
    {
        child.Killing = true;
        WorkerProcess process = child.Process;
        process.RequestExit(reason);
        HangEvidence.LogRunningJobs(_logger, _poolName, process.Name, link.RunningJobs());
        _ = Task.Run(async () =>
        {
            await HangEvidence.TryWriteDumpAsync(_options.HangDumpDirectory, process.ProcessId, process.Name, _poolName, _logger).ConfigureAwait(false);
            process.Kill(reason);
        });
    }

    private WorkerSettings CreateSettings() => new()
    {
        PoolName = _poolName,
        ProcessNumber = 0,
        ThreadsPerProcess = _options.ThreadsPerProcess,
        Prefetch = _options.Prefetch,
        MaxJobsPerThread = _options.MaxJobsPerThread,
        ThreadLifetime = _options.ThreadLifetime,
        JobTimeout = _options.JobTimeout,
        JobTimeoutGrace = _options.JobTimeoutGrace,
        GracefulDieExceptions = [.. _options.GracefulDieExceptions],
        GracefulDieTimeout = _options.GracefulDieTimeout,
        HeartbeatInterval = _options.HeartbeatInterval,
        MaxMessageSize = _options.MaxMessageSize,
        ForwardLogs = _options.ForwardWorkerLogs,
        MaxMemoryPerProcess = _options.MaxMemoryPerProcess,
    };

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

    private static async Task<bool> WaitAsync(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private sealed class Child(WorkerProcess process)
    {
        public WorkerProcess Process { get; } = process;

        public ProcessLink? Link { get; set; }

        public Task Run { get; set; } = Task.CompletedTask;

        public long? DrainingSince { get; set; }

        /// <summary>Gets or sets a value indicating whether the process is being killed (after its evidence is taken).</summary>
        public bool Killing { get; set; }
    }
}
