namespace Mpms.Hosting.Worker;

/// <summary>
/// Decides when an idle worker process gives back the memory a burst of jobs grew: once per idle period, after it held
/// no job and received none for <see cref="IdleHeartbeats"/> heartbeats in a row.
/// </summary>
/// <remarks>
/// The GC keeps the gen0 budget it grew while the process was busy, and that budget follows the cache size the machine
/// reports, which virtual machines often report large: an idle worker then kept about 90 MiB of its own pages. A smaller
/// budget set for every worker bounded that but cost the default loop about a tenth of its throughput (docs/benchmarks.md);
/// one compacting collection when the process has nothing to do costs no job anything.
/// </remarks>
internal sealed class IdleTrim
{
    /// <summary>How many heartbeats in a row a process must be idle before it trims.</summary>
    public const int IdleHeartbeats = 2;

    private long _lastArrivals = -1;
    private int _idleHeartbeats;
    private bool _trimmed;

    /// <summary>Called at each heartbeat (one at a time); tells whether the process should trim now.</summary>
    /// <param name="arrivals">How many jobs the process received so far.</param>
    /// <param name="holdsJobs">Whether the process holds a job now, queued or running.</param>
    public bool OnHeartbeat(long arrivals, bool holdsJobs)
    {
        if (arrivals != _lastArrivals || holdsJobs)
        {
            _lastArrivals = arrivals;
            _idleHeartbeats = 0;
            _trimmed = false;
            return false;
        }

        if (_trimmed || ++_idleHeartbeats < IdleHeartbeats)
        {
            return false;
        }

        _trimmed = true;
        return true;
    }

    /// <summary>
    /// Collects every generation, compacting, and lets the GC decommit what it does not need
    /// (<see cref="GCCollectionMode.Aggressive"/>); returns the process's managed heap size before and after, in bytes.
    /// </summary>
    public static (long Before, long After) Trim()
    {
        long before = GC.GetGCMemoryInfo().HeapSizeBytes;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return (before, GC.GetGCMemoryInfo().HeapSizeBytes);
    }
}
