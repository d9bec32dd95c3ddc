namespace Mpms.Hosting;

/// <summary>
/// Everything a pool can tell about itself at one moment, for dashboards and diagnostics: its counters, its processes
/// and their threads, the last process exits, its throughput over the last minutes and its latest failures.
/// </summary>
/// <remarks>
/// Read from <see cref="IMpmsPool.GetDetails"/>. Taking it costs a lock or two and, per process, one read of its memory
/// from the operating system: cheap enough for a page that polls every few seconds, not for every job.
/// </remarks>
public sealed record MpmsPoolDetails
{
    /// <summary>Gets the pool's name.</summary>
    public required string PoolName { get; init; }

    /// <summary>Gets when the details were taken.</summary>
    public required DateTimeOffset TakenAt { get; init; }

    /// <summary>Gets the pool's counters, life stage and health.</summary>
    public required MpmsPoolStats Stats { get; init; }

    /// <summary>Gets the number of worker threads in each process (<see cref="MpmsOptions.ThreadsPerProcess"/>).</summary>
    public int ThreadsPerProcess { get; init; }

    /// <summary>Gets the pool's worker processes now, in the order they were started.</summary>
    public IReadOnlyList<MpmsProcessInfo> Processes { get; init; } = [];

    /// <summary>Gets how the pool's last worker processes ended, newest first (at most 20).</summary>
    public IReadOnlyList<MpmsProcessExitInfo> RecentExits { get; init; } = [];

    /// <summary>Gets how long each of <see cref="Throughput"/> covers.</summary>
    /// <value>5 seconds.</value>
    public TimeSpan SampleInterval { get; init; }

    /// <summary>Gets what the pool did in each interval of the last 10 minutes since it started, oldest first.</summary>
    public IReadOnlyList<MpmsThroughputSample> Throughput { get; init; } = [];

    /// <summary>Gets the pool's latest jobs that failed, timed out or lost their worker, newest first (at most 50).</summary>
    public IReadOnlyList<MpmsRecentFailure> RecentFailures { get; init; } = [];
}
