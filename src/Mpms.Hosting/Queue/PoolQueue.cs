using System.Collections.ObjectModel;
using Mpms.Hosting.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Queue;

/// <summary>
/// The queue room of one pool, put together: admission (<see cref="Gate"/>), putting (<see cref="Puts"/>), the jobs
/// the links lease through the dispatch seam (<see cref="Jobs"/>), the book of outcomes (<see cref="Ledger"/>) and
/// where outcomes go (<see cref="Feed"/>).
/// </summary>
internal sealed class PoolQueue<TJob, TResult> : IDisposable
{
    private readonly TimeProvider _time;

    public PoolQueue(string poolName, MpmsOptions options, IMpmsSerializer serializer, bool hasCollector, MpmsTelemetry telemetry, TimeProvider time, ILogger logger)
    {
        PoolName = poolName;
        _time = time;
        Gate = new QueueGate(poolName, options.EffectiveQueueCapacity, time, options.ScheduledCapacity);
        var meta = new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(options.Meta, StringComparer.Ordinal));
        Ledger = new OutcomeLedger<TJob, TResult>(poolName, Gate, telemetry, time, meta, hasCollector, options.EnableResultStream);
        Jobs = new JobQueue<TJob, TResult>(poolName, Gate, Ledger, new OutcomeMapper<TResult>(serializer), new WorkerLostPolicy(options), new RetryPolicy(options.Retry), options.PriorityAgingInterval, time, placesFreedAtStart: options.EffectivePrefetch > 0, logger);
        Feed = new ResultFeed<TJob, TResult>(poolName, Ledger, hasCollector, logger);
        Puts = new MpmsQueue<TJob, TResult>(poolName, Gate, Jobs, new JobSerializer<TJob>(poolName, serializer, options.MaxMessageSize), telemetry, time);
        Sampler = new ThroughputSampler(Ledger.Snapshot, time);
    }

    public string PoolName { get; }

    /// <summary>Gets the clock the queue reads its times from.</summary>
    public TimeProvider Time => _time;

    public QueueGate Gate { get; }

    public OutcomeLedger<TJob, TResult> Ledger { get; }

    public JobQueue<TJob, TResult> Jobs { get; }

    public ResultFeed<TJob, TResult> Feed { get; }

    public MpmsQueue<TJob, TResult> Puts { get; }

    /// <summary>Gets the samples of the pool's throughput over the last minutes (started with the pool).</summary>
    public ThroughputSampler Sampler { get; }

    /// <summary>The queue's counters now, with its capacity, when it was last full and how long its head has waited.</summary>
    public MpmsPoolStats Snapshot()
    {
        MpmsPoolStats stats = Ledger.Snapshot();

        // Peeked only when asked: the jobs carry their accept time already, so puts pay nothing for this.
        TimeSpan? oldest = stats.Queued > 0 && Jobs.TryPeekHead(out DateTimeOffset acceptedAt)
            ? TimeSpan.FromTicks(Math.Max(0, (_time.GetUtcNow() - acceptedAt).Ticks))
            : null;
        return stats with
        {
            QueueCapacity = Gate.Places.Capacity,
            TimeSinceQueueFull = Gate.Places.TimeSinceFull,
            OldestQueuedJobAge = oldest,
            Scheduled = Jobs.ScheduledCount,
        };
    }

    /// <summary>Accepts no more jobs; the accepted ones still run.</summary>
    public void Complete()
    {
        Gate.Complete();
        Ledger.CheckDrained();
    }

    /// <summary>Ends the jobs that wait for their time as canceled: the pool is stopping, and will not wait for them.</summary>
    public void CancelScheduled(string reason)
    {
        Jobs.CancelScheduled(reason);
        Ledger.CheckDrained();
    }

    /// <summary>Stops the queue for good: jobs still waiting end as canceled, for <paramref name="reason"/>.</summary>
    public void Stop(string reason)
    {
        Complete();
        Gate.Stop();
        Jobs.CancelWaiting(reason);
        Ledger.CheckDrained();
    }

    public void Dispose()
    {
        Sampler.Dispose();
        Jobs.Dispose();
        Gate.Dispose();
    }
}
