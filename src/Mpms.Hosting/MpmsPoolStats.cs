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

    /// <summary>
    /// Gets the number of jobs accepted that no worker thread has started: the queue's depth, counting the jobs worker
    /// processes hold ahead of a free thread (<see cref="HeldAhead"/>, with <see cref="MpmsOptions.Prefetch"/>).
    /// </summary>
    public long Queued { get; init; }

    /// <summary>Gets the number of jobs, among <see cref="Queued"/>, that worker processes hold ahead of a free thread.</summary>
    public long HeldAhead { get; init; }

    /// <summary>Gets the number of jobs, among <see cref="Queued"/>, waiting for their time: put with a delay
    /// (<see cref="MpmsPutOptions.Delay"/>, <see cref="MpmsPutOptions.NotBefore"/>) or waiting to be retried.</summary>
    public long Scheduled { get; init; }

    /// <summary>Gets how many places the queue has (<see cref="MpmsOptions.QueueCapacity"/>, or its default).</summary>
    public int QueueCapacity { get; init; }

    /// <summary>Gets how long the job at the head of the queue has waited since it was accepted.</summary>
    /// <value><see langword="null"/> while no job waits.</value>
    /// <remarks>Measured when the snapshot is taken, among the jobs waiting in the application (not those held ahead). A job handed back or retried keeps the time it was first accepted.
    /// A job canceled while it waited leaves the line only when a process next takes a job; while it is at the head its
    /// age stands for the line's, an upper bound.</remarks>
    public TimeSpan? OldestQueuedJobAge { get; init; }

    /// <summary>Gets how long ago the queue was last full: a put had to wait for a place, or <c>TryPut</c> refused.</summary>
    /// <value><see cref="TimeSpan.Zero"/> while the queue is full now; <see langword="null"/> if it has never been full.</value>
    public TimeSpan? TimeSinceQueueFull { get; init; }

    /// <summary>Gets the number of jobs running in worker processes: started, and not finished yet.</summary>
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

    /// <summary>Gets the number of worker processes the pool keeps alive (<see cref="MpmsOptions.Processes"/>).</summary>
    public int ProcessesConfigured { get; init; }

    /// <summary>Gets the number of worker processes running (starting, ready or draining), warm spares included.</summary>
    public int ProcessesAlive { get; init; }

    /// <summary>Gets the number of worker processes that are initialised and take jobs.</summary>
    public int ProcessesReady { get; init; }

    /// <summary>Gets the number of warm spares initialised and waiting to take the place of a process that ends.</summary>
    /// <value>At most <see cref="MpmsOptions.WarmSpares"/>; not counted in <see cref="ProcessesReady"/>.</value>
    public int WarmSparesReady { get; init; }

    /// <summary>Gets the number of worker processes started and not ready yet: connecting or running their process initializers.</summary>
    public int ProcessesStarting { get; init; }

    /// <summary>Gets the number of worker process starts that failed in a row, since a start last succeeded.</summary>
    /// <value>0 while processes start; see <see cref="MpmsOptions.MaxRestarts"/> for what failed starts lead to.</value>
    public int ConsecutiveStartFailures { get; init; }

    /// <summary>Gets the number of worker processes started to replace one that ended.</summary>
    public long Restarts { get; init; }

    /// <summary>Gets the number of worker processes started to replace one that ended within the last
    /// <see cref="MpmsOptions.RestartWindow"/>, for whatever reason it ended.</summary>
    public int RestartsInWindow { get; init; }
}
