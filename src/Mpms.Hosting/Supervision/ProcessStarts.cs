using System.Diagnostics;
using Mpms.Hosting.Diagnostics;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// Starts a pool's processes: fills the places of the serving processes (with warm spares first), then makes up the
/// spares, as the start-failure policy allows; numbers them, counts the restarts, and hears how starts go.
/// </summary>
/// <remarks>
/// Not thread-safe: every member is called under the supervisor's lock, the one that guards the
/// <see cref="ProcessRoster"/>, so that what the pool starts and what it reports agree.
/// </remarks>
internal sealed class ProcessStarts
{
    private readonly SupervisionContext _pool;
    private readonly MpmsOptions _options;
    private readonly IProcessStarter _starter;
    private readonly ProcessRoster _roster;
    private readonly IProcessEvents _events;
    private readonly Action _onStarted;
    private readonly Lock _gate;
    private readonly StartFailurePolicy _startFailures;
    private readonly StartFailureReports _startReports;
    private readonly TerminatedHold _terminated;
    private readonly RecentRestarts _recentRestarts;
    private int _nextNumber;
    private int _spawned;
    private long _restarts;

    /// <param name="pool">What the pool's supervision shares.</param>
    /// <param name="starter">What starts a process.</param>
    /// <param name="roster">The pool's processes, where those started join.</param>
    /// <param name="events">What each started process reports to.</param>
    /// <param name="onStarted">Called (under the lock) when a process has been started.</param>
    /// <param name="gate">The supervisor's lock, which every call holds.</param>
    public ProcessStarts(SupervisionContext pool, IProcessStarter starter, ProcessRoster roster, IProcessEvents events, Action onStarted, Lock gate)
    {
        _pool = pool;
        _options = pool.Options;
        _starter = starter;
        _roster = roster;
        _events = events;
        _onStarted = onStarted;
        _gate = gate;
        _startFailures = new StartFailurePolicy(_options, pool.Clock);
        _startReports = new StartFailureReports(pool, _startFailures);
        _terminated = new TerminatedHold(pool.Clock);
        _recentRestarts = new RecentRestarts(_options.RestartWindow, pool.Clock);
    }

    /// <summary>Gets where the start-failure policy stands, for the pool's health.</summary>
    public StartFailureState FailureState => _startFailures.State;

    /// <summary>Gets how many starts in a row have failed.</summary>
    public int ConsecutiveFailures => _startFailures.ConsecutiveFailures;

    /// <summary>Gets how many processes were started to replace one, since the pool started.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>Counts the restarts within <see cref="MpmsOptions.RestartWindow"/>.</summary>
    public int RecentRestarts() => _recentRestarts.Count();

    /// <summary>Starts processes until the pool has its size, as the start-failure policy allows.</summary>
    /// <returns>How long until the next start is allowed, when one is due but held back.</returns>
    public TimeSpan FillPlaces()
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "Processes are started under the supervisor's lock.");

        // A process that left on SIGTERM keeps its place a moment: the application may have been signalled with it.
        // Places to fill go to spares first; what is started then fills the places left, and the spares after.
        int missing = _options.Processes - _roster.CountServing() - _terminated.Held(_roster.Children);
        missing = Math.Max(0, missing - WarmSpares.Promote(_pool, _roster, missing));
        int sparesMissing = Math.Max(0, _options.WarmSpares - _roster.CountSpares());
        bool probing = _roster.CountStarting() > 0;
        StartPermit permit = _startFailures.Allow(missing + sparesMissing, probing);
        for (int i = 0; i < permit.Start; i++)
        {
            Spawn(asSpare: i >= missing);
        }

        TimeSpan released = _terminated.UntilNextRelease();
        return permit.Wait == Timeout.InfiniteTimeSpan || (released != Timeout.InfiniteTimeSpan && released < permit.Wait) ? released : permit.Wait;
    }

    /// <summary>A process got a thread past every initializer: starts go on at once, and a failed pool recovers.</summary>
    public void OnStartSucceeded() => _startReports.OnSuccess();

    /// <summary>A process exited while the pool runs: a failed start counts against the next ones.</summary>
    public void OnExited(ProcessExit exit)
    {
        if (exit.WasStartFailure)
        {
            _startReports.OnFailure();
        }

        if (exit.Reason == MpmsProcessExitReason.Terminated)
        {
            _terminated.OnExited();
        }
    }

    private void Spawn(bool asSpare)
    {
        int number = ++_nextNumber;
        ProcessRunner runner;
        try
        {
            runner = ProcessRunner.Launch(_pool, _starter, number, _events);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            SupervisorLog.SpawnFailed(_pool.Logger, _pool.PoolName, MpmsNames.Process(_pool.PoolName, number), _starter.Program, ex);
            _startReports.OnFailure();
            return;
        }

        if (asSpare)
        {
            runner.Lifecycle.MarkSpare(); // before its run starts: its link takes no job until promoted
        }

        if (_spawned++ >= _options.Processes + _options.WarmSpares)
        {
            Interlocked.Increment(ref _restarts);
            _recentRestarts.Record();
        }

        SupervisorLog.ProcessStarted(_pool.Logger, _pool.PoolName, runner.Process.Name, runner.Process.ProcessId);
        _roster.Add(runner);
        _onStarted();
    }
}
