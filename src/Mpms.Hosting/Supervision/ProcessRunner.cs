using System.Diagnostics;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// One worker process's life, from the moment it was started: waits for its connection or its exit, runs its link,
/// carries out what the checks decide (drain it, kill it, kill it with evidence), reaps it, hands its leases their
/// fate and reports its exit. Every task it starts ends within <see cref="Completion"/>.
/// </summary>
internal sealed class ProcessRunner
{
    // Without its link a worker exits by itself at once; one that has not within this is killed.
    private static readonly TimeSpan LinkClosedExitGrace = TimeSpan.FromSeconds(5);

    private readonly SupervisionContext _pool;
    private readonly IWorkerProcess _process;
    private readonly Task<WorkerConnection> _connected;
    private readonly Action _forget;
    private readonly IProcessEvents _events;
    private readonly string _privateDirectory;

    // Guards the fields below: the supervise loop, the stop and the run itself read and change them.
    private readonly Lock _lock = new();

    // The link, once the process connected; never replaced.
    private ProcessLink? _link;

    // The pool kills the process (after taking its evidence, maybe): the checks leave it alone.
    private bool _killing;

    // The dump-then-kill that KillWithEvidence started; the run awaits it before it reports the exit.
    private Task _evidence = Task.CompletedTask;

    // The process was reaped: nothing more is started for it.
    private bool _reaped;

    private ProcessRunner(SupervisionContext pool, StartedProcess started, IProcessEvents events, string privateDirectory)
    {
        _privateDirectory = privateDirectory;
        _pool = pool;
        _process = started.Process;
        _connected = started.Connected;
        _forget = started.Forget;
        _events = events;
    }

    public ProcessLifecycle Lifecycle => _process.Lifecycle;

    public IWorkerProcess Process => _process;

    /// <summary>Gets the run: it completes once the process was reaped, its jobs have their fate and its exit is reported.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Starts worker process number <paramref name="number"/> through <paramref name="starter"/>.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    public static ProcessRunner Launch(SupervisionContext pool, IProcessStarter starter, int number, IProcessEvents events) =>
        new(pool, starter.Start(number), events, starter.PrivateDirectory);

    /// <summary>Starts the run; call once.</summary>
    public Task Start()
    {
        Debug.Assert(Completion.IsCompleted && !_reaped, "A runner runs once.");
        return Completion = RunAsync();
    }

    /// <summary>Tells what the checks need to know of the process now.</summary>
    public ProcessSnapshot Snapshot()
    {
        ProcessLink? link;
        bool killing;
        lock (_lock)
        {
            link = _link;
            killing = _killing;
        }

        ProcessLifecycle process = _process.Lifecycle;
        RunningJobStart? oldest = link is not null && _pool.Options.JobTimeout is not null ? link.Heartbeat.OldestRunningJob() : null;
        return new ProcessSnapshot(process.State, process.StartedAt, process.DrainingSince, killing, link is not null, link?.LastSeenAt ?? 0, oldest, link?.Heartbeat.UnaccountedFor);
    }

    /// <summary>Tells what a dashboard shows of the process now: its stage, age, memory, jobs and threads.</summary>
    public MpmsProcessInfo Describe()
    {
        ProcessLifecycle process = _process.Lifecycle;
        ProcessLink? link = LinkOrNull();
        TimeSpan uptime = _pool.Clock.GetElapsedTime(process.StartedAt);
        return new MpmsProcessInfo
        {
            Name = process.Name,
            Number = process.Number,
            ProcessId = process.ProcessId,
            State = process.State switch
            {
                WorkerProcessState.Starting => MpmsProcessState.Starting,
                WorkerProcessState.Ready => MpmsProcessState.Ready,
                _ => MpmsProcessState.Draining,
            },
            StartedAt = _pool.Clock.GetUtcNow() - uptime,
            Uptime = uptime,
            MemoryBytes = _process.IsInApplication ? null : ProcessMemory.TryReadResident(process.ProcessId),
            JobsDone = link?.JobsDone ?? 0,
            JobsHeld = link?.InFlight ?? 0,
            IsWarmSpare = process.IsSpare,
            Threads = link?.Heartbeat.DescribeThreads() ?? [],
        };
    }

    /// <summary>Carries out what the checks decided for this process.</summary>
    public void Carry(in ProcessAction action)
    {
        ProcessLifecycle process = _process.Lifecycle;
        ILogger logger = _pool.Logger;
        switch (action.Kind)
        {
            case ProcessActionKind.KillStartTimedOut:
                SupervisorLog.StartTimedOut(logger, _pool.PoolName, process.Name, _pool.Options.StartTimeout);
                Kill(MpmsProcessExitReason.StartFailed);
                break;
            case ProcessActionKind.Recycle:
                SupervisorLog.ProcessRecycling(logger, _pool.PoolName, process.Name, _pool.Options.ProcessLifetime.GetValueOrDefault());
                process.RequestExit(MpmsProcessExitReason.Recycled);
                LinkOrNull()?.Drain(MpmsProcessExitReason.Recycled);
                break;
            case ProcessActionKind.KillDrainTimedOut:
                SupervisorLog.DrainTimedOut(logger, _pool.PoolName, process.Name, _pool.Options.DrainTimeout);
                Kill(MpmsProcessExitReason.Killed);
                break;
            case ProcessActionKind.KillHung:
                SupervisorLog.ProcessHung(logger, _pool.PoolName, process.Name, process.ProcessId, action.Measured);
                KillWithEvidence(MpmsProcessExitReason.HeartbeatTimeout);
                break;
            case ProcessActionKind.KillUnaccounted:
                SupervisorLog.JobUnaccounted(logger, _pool.PoolName, process.Name, process.ProcessId, action.Measured);
                KillWithEvidence(MpmsProcessExitReason.HeartbeatTimeout);
                break;
            case ProcessActionKind.KillOverdue when action.Job is RunningJobStart job:
                SupervisorLog.JobOverdue(logger, _pool.PoolName, process.Name, job.JobId, action.Measured);
                KillWithEvidence(MpmsProcessExitReason.JobTimeout);
                LinkOrNull()?.TimeOut(job.Sequence, action.Measured);
                break;
        }
    }

    /// <summary>The pool stops: asks the process to drain, or kills it when it has not connected.</summary>
    public void Shutdown()
    {
        _process.Lifecycle.RequestExit(MpmsProcessExitReason.Shutdown);
        if (LinkOrNull() is ProcessLink link)
        {
            link.Drain(MpmsProcessExitReason.Shutdown);
        }
        else
        {
            Kill(MpmsProcessExitReason.Shutdown);
        }
    }

    /// <summary>The pool's stop deadline passed: kills the process if it is still there.</summary>
    public void KillAtDeadline()
    {
        if (!Completion.IsCompleted)
        {
            SupervisorLog.ShutdownKilling(_pool.Logger, _pool.PoolName, _process.Name);
            Kill(MpmsProcessExitReason.Killed);
        }
    }

    /// <summary>Reads the process's start marks for the jobs held ahead that started (see <see cref="PoolSupervisor.LookForStartedJobs"/>).</summary>
    public void LookForStartedJobs() => Volatile.Read(ref _link)?.ObserveStarts();

    private ProcessLink? LinkOrNull()
    {
        lock (_lock)
        {
            return _link;
        }
    }

    private void Kill(MpmsProcessExitReason reason)
    {
        lock (_lock)
        {
            _killing = true;
        }

        _process.Kill(reason);
    }

    /// <summary>Logs what the process was running, then writes a dump if configured and kills it, off the caller's thread.</summary>
    private void KillWithEvidence(MpmsProcessExitReason reason)
    {
        lock (_lock)
        {
            if (_reaped || _link is not ProcessLink link)
            {
                return;
            }

            _killing = true;
            _process.Lifecycle.RequestExit(reason);
            HangEvidence.LogRunningJobs(_pool.Logger, _pool.PoolName, _process.Name, link.Heartbeat.RunningJobs());
            _evidence = Task.Run(async () =>
            {
                // A process inside the application is no process to dump: the dump would be of the application.
                if (!_process.IsInApplication)
                {
                    await HangEvidence.TryWriteDumpAsync(_pool, _process.ProcessId, _process.Name).ConfigureAwait(false);
                }

                _process.Kill(reason);
            });
        }
    }

    private async Task RunAsync()
    {
        // Never under the caller's lock: the rest may report back to the pool at once.
        await Task.Yield();
        Task exited = _process.WaitForExitAsync();
        ProcessLink? link = null;
        StartMarks? startMarks = null;
        string? startMarksPath = null;
        try
        {
            await Task.WhenAny(_connected, exited).ConfigureAwait(false);
            if (_connected.IsCompletedSuccessfully)
            {
                WorkerSettings settings = _pool.Settings with { ProcessNumber = _process.Lifecycle.Number };
                if (settings.Prefetch > 0)
                {
                    // Read until the process is reaped: which of the jobs it held had started (see LeaseLedger).
                    startMarksPath = SocketDirectory.StartMarksPath(_privateDirectory, _process.Lifecycle.Number);
                    startMarks = StartMarks.Create(startMarksPath, StartMarks.SlotsFor(settings.ThreadsPerProcess + settings.Prefetch));
                    settings = settings with { StartMarksPath = startMarksPath, StartMarkSlots = startMarks.SlotCount };
                }

                link = new ProcessLink(_pool, _process.Lifecycle, _connected.Result.Link, _events, startMarks);
                lock (_lock)
                {
                    Volatile.Write(ref _link, link);
                }

                _events.OnChanged();
                await link.RunAsync(settings, CancellationToken.None).ConfigureAwait(false);

                // The process takes no more jobs, whatever it does next. One that served gives its place up now, so that a
                // spare or a replacement takes it without waiting for the exit; one that never got ready keeps it until
                // its exit counts as a failed start, or the start back-off would be skipped.
                if (_process.Lifecycle.HasReadyThread && _process.Lifecycle.OnLinkEnded())
                {
                    _events.OnChanged();
                }
            }

            // Without its link a worker exits by itself at once; one that does not is killed.
            if (!await Waits.CompletesWithinAsync(exited, LinkClosedExitGrace, _pool.Clock).ConfigureAwait(false))
            {
                _process.Kill(MpmsProcessExitReason.LinkLost);
                await exited.ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            SupervisorLog.SupervisionFailed(_pool.Logger, _pool.PoolName, ex);
            _process.Kill(MpmsProcessExitReason.Killed);
            await exited.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            _forget();
        }

        // Forgotten, the connection ends now: canceled, or accepted by a handshake that took the secret just before.
        // Nobody runs a link accepted that late, so it is closed here.
        await ((Task)_connected).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (link is null && _connected.IsCompletedSuccessfully)
        {
            await _connected.Result.Link.DisposeAsync().ConfigureAwait(false);
        }

        Task evidence;
        lock (_lock)
        {
            _reaped = true;
            evidence = _evidence;
        }

        await evidence.ConfigureAwait(false);
        Reap(link);

        // The ledger read the marks for the last time as the leases got their fate.
        startMarks?.Dispose();
        if (startMarksPath is not null)
        {
            TryDelete(startMarksPath);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The directory goes when the pool stops.
        }
    }

    private void Reap(ProcessLink? link)
    {
        ProcessExit exit = _process.DescribeExit(link?.Broken ?? false);
        link?.FailInFlight(exit);
        bool replaced = _events.OnExited(this, exit);
        if (exit.Reason is MpmsProcessExitReason.Shutdown or MpmsProcessExitReason.Recycled or MpmsProcessExitReason.Terminated)
        {
            SupervisorLog.ProcessExited(_pool.Logger, _pool.PoolName, _process.Name, _process.ProcessId, exit.Describe());
        }
        else if (replaced)
        {
            SupervisorLog.ProcessEndedUnexpectedly(_pool.Logger, _pool.PoolName, _process.Name, _process.ProcessId, exit.Describe());
        }
        else
        {
            SupervisorLog.ProcessEndedWhileStopping(_pool.Logger, _pool.PoolName, _process.Name, _process.ProcessId, exit.Describe());
        }

        _process.Dispose();
        _events.OnChanged();
    }
}
