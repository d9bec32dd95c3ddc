namespace Mpms.Hosting;

/// <summary>A snapshot of a pool's counters (the original MPMS's <c>total_count</c> and <c>finish_count</c>, and more).</summary>
public sealed record MpmsPoolStats
{
    /// <summary>Gets the pool's name.</summary>
    public required string PoolName { get; init; }

    /// <summary>Gets the pool's life stage.</summary>
    public required MpmsPoolState State { get; init; }

    /// <summary>Gets how well the pool runs: whether its worker processes are there to take jobs.</summary>
    public MpmsPoolHealth Health { get; init; }

    /// <summary>Gets the number of jobs the queue has accepted.</summary>
    public long Accepted { get; init; }

    /// <summary>Gets the number of jobs waiting in the queue.</summary>
    public long Queued { get; init; }

    /// <summary>Gets the number of jobs handed to worker processes and not finished yet.</summary>
    public long Running { get; init; }

    /// <summary>Gets the number of jobs that succeeded.</summary>
    public long Succeeded { get; init; }

    /// <summary>Gets the number of jobs whose worker threw.</summary>
    public long Failed { get; init; }

    /// <summary>Gets the number of jobs that ran past their timeout.</summary>
    public long TimedOut { get; init; }

    /// <summary>Gets the number of jobs whose process died under them.</summary>
    public long WorkerLost { get; init; }

    /// <summary>Gets the number of jobs that were canceled.</summary>
    public long Canceled { get; init; }

    /// <summary>Gets the number of jobs with an outcome: the sum of the five outcome counters.</summary>
    public long Finished => Succeeded + Failed + TimedOut + WorkerLost + Canceled;

    /// <summary>Gets the number of worker processes running (starting, ready or draining).</summary>
    public int ProcessesAlive { get; init; }

    /// <summary>Gets the number of worker processes that are initialised and take jobs.</summary>
    public int ProcessesReady { get; init; }

    /// <summary>Gets the number of worker processes started to replace one that ended.</summary>
    public long Restarts { get; init; }
}
