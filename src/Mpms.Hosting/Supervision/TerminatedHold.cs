namespace Mpms.Hosting.Supervision;

/// <summary>
/// Holds the places of worker processes that left on SIGTERM. SIGTERM sent to a whole process group (systemd's
/// <c>KillMode=control-group</c>, <c>kill -TERM -&lt;pgid&gt;</c>) reaches the workers together with their application,
/// whose own stop begins moments later: such a worker keeps its place while it drains and for <see cref="SettleTime"/>
/// after it exits, so that it is replaced only when the pool is not stopping by then. Not thread-safe: the supervisor
/// asks it under its lock.
/// </summary>
internal sealed class TerminatedHold(TimeProvider clock)
{
    /// <summary>How long after it exited a worker that left on SIGTERM keeps its place.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(1);

    private readonly List<long> _exits = [];

    /// <summary>A worker that left on SIGTERM exited now.</summary>
    public void OnExited() => _exits.Add(clock.GetTimestamp());

    /// <summary>Counts the places held: the processes still draining after SIGTERM, and those that exited within the settle time.</summary>
    public int Held(IEnumerable<ProcessRunner> processes)
    {
        _exits.RemoveAll(exited => clock.GetElapsedTime(exited) >= SettleTime);
        return processes.Count(p => p.Lifecycle.WasTerminated) + _exits.Count;
    }

    /// <summary>Gets how long until the next held place is freed, or <see cref="Timeout.InfiniteTimeSpan"/> when none is held after an exit.</summary>
    public TimeSpan UntilNextRelease() =>
        _exits.Count == 0 ? Timeout.InfiniteTimeSpan : SettleTime - clock.GetElapsedTime(_exits.Min());
}
