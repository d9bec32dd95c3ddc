using Mpms.Hosting.Diagnostics;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// The pool's warm spares (<see cref="MpmsOptions.WarmSpares"/>): processes kept started and initialised but sent no
/// job, so that one that ends is replaced by a process that can run its jobs at once. Decides under the supervisor's
/// lock, over its <see cref="ProcessRoster"/>.
/// </summary>
internal static class WarmSpares
{
    /// <summary>Makes up to <paramref name="places"/> spares serve, ready ones first, oldest first.</summary>
    /// <returns>How many were promoted.</returns>
    public static int Promote(SupervisionContext pool, ProcessRoster roster, int places)
    {
        int promoted = 0;
        foreach (ProcessRunner spare in roster.Children
                     .Where(static c => c.Lifecycle.IsActive && c.Lifecycle.IsSpare)
                     .OrderBy(static c => c.Lifecycle.State == WorkerProcessState.Ready ? 0 : 1)
                     .Take(Math.Max(0, places)))
        {
            spare.Lifecycle.Promote();
            SupervisorLog.SparePromoted(pool.Logger, pool.PoolName, spare.Process.Name, spare.Process.ProcessId, spare.Lifecycle.State == WorkerProcessState.Ready);
            promoted++;
        }

        return promoted;
    }
}
