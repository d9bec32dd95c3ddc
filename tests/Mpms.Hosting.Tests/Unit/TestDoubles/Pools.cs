using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Queue;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>A job for pools made without worker processes.</summary>
public sealed record EchoJob(string Text, int Number = 0) : IMpmsJob<string>;

/// <summary>Builds pool queues without worker processes and drives them the way a link does.</summary>
internal static class Pools
{
    public const string Name = "UnitPool";

    public static UnitPool<EchoJob, string> Create(
        Action<MpmsOptions>? configure = null,
        IMpmsSerializer? serializer = null,
        bool hasCollector = false,
        ILogger? logger = null,
        bool start = true,
        TimeProvider? time = null) =>
        Create<EchoJob, string>(configure, serializer, hasCollector, logger, start, time);

    public static UnitPool<TJob, TResult> Create<TJob, TResult>(
        Action<MpmsOptions>? configure = null,
        IMpmsSerializer? serializer = null,
        bool hasCollector = false,
        ILogger? logger = null,
        bool start = true,
        TimeProvider? time = null)
    {
        var options = new MpmsOptions { Processes = 1, ThreadsPerProcess = 1, Prefetch = 0 };
        configure?.Invoke(options);
        var queue = new PoolQueue<TJob, TResult>(Name, options, serializer ?? new MpmsJsonSerializer(), hasCollector, new Mpms.Hosting.Diagnostics.MpmsTelemetry(null), time ?? TimeProvider.System, logger ?? NullLogger.Instance);
        var pool = new UnitPool<TJob, TResult>(queue);
        if (start)
        {
            queue.Gate.Start();
        }

        return pool;
    }

    public static PendingJob<TJob, TResult> Pending<TJob, TResult>(this MpmsJobHandle<TResult> handle) => (PendingJob<TJob, TResult>)handle;
}

/// <summary>One pool's queue room with no processes: what the pool and the links would ask of it, asked by a test.</summary>
internal sealed class UnitPool<TJob, TResult>(PoolQueue<TJob, TResult> queue) : IDisposable
{
    public PoolQueue<TJob, TResult> Queue { get; } = queue;

    public MpmsQueue<TJob, TResult> Puts => Queue.Puts;

    /// <summary>Gets the link a test plays: it holds what <see cref="SendNextAsync"/> leases.</summary>
    public RecordingHolder Holder { get; } = new();

    public ValueTask<MpmsJobHandle<TResult>> PutAsync(TJob job, CancellationToken cancellationToken = default) => Puts.PutAsync(job, cancellationToken);

    public ValueTask<MpmsJobHandle<TResult>> PutAsync(TJob job, MpmsPutOptions options, CancellationToken cancellationToken = default) => Puts.PutAsync(job, options, cancellationToken);

    public bool TryPut(TJob job, out MpmsJobHandle<TResult>? handle) => Puts.TryPut(job, out handle);

    public bool TryPut(TJob job, MpmsPutOptions options, out MpmsJobHandle<TResult>? handle) => Puts.TryPut(job, options, out handle);

    public Task<TResult> RunAsync(TJob job, CancellationToken cancellationToken = default) => Puts.RunAsync(job, cancellationToken);

    public void Start() => Queue.Gate.Start();

    public void Complete() => Queue.Complete();

    public void Stop(string reason) => Queue.Stop(reason);

    public Task WaitForCompletionAsync(CancellationToken cancellationToken = default) => Queue.Ledger.Drained.WaitAsync(cancellationToken);

    public MpmsPoolStats GetStats() => Queue.Snapshot();

    public IAsyncEnumerable<MpmsResult<TJob, TResult>> ReadResultsAsync() => Queue.Feed.ReadAll(CancellationToken.None);

    public Task RunCollectorAsync(IReadOnlyList<IMpmsCollector<TJob, TResult>> collectors, CancellationToken cancellationToken) =>
        Queue.Feed.RunCollectorsAsync(collectors, cancellationToken);

    public bool TryFinish(PendingJob<TJob, TResult> job, MpmsJobStatus status, TResult? value, Exception? exception, DateTimeOffset? startedAt = null, int? processId = null, string? threadName = null) =>
        Queue.Jobs.Finish(job, new Outcome<TResult>(status, value, exception, startedAt, processId, threadName));

    public void Requeue(PendingJob<TJob, TResult> job, bool newAttempt) => Queue.Jobs.Requeue(job, newAttempt);

    public bool TryLease(out PendingJob<TJob, TResult>? job)
    {
        bool leased = Queue.Jobs.TryLease(Holder, out IJobLease? lease);
        job = (PendingJob<TJob, TResult>?)lease;
        return leased;
    }

    /// <summary>Waits for the next job and leases it, as a link's pump does.</summary>
    public async Task<PendingJob<TJob, TResult>> SendNextAsync()
    {
        using var ceiling = new CancellationTokenSource(Wire.HangGuard);
        PendingJob<TJob, TResult>? job;
        while (!TryLease(out job))
        {
            await Queue.Jobs.WaitForJobAsync(ceiling.Token);
        }

        return job!;
    }

    public void Dispose() => Queue.Dispose();
}

/// <summary>Records the jobs a queue asks its link to cancel.</summary>
internal sealed class RecordingHolder : ILeaseHolder
{
    public List<long> Canceled { get; } = [];

    public void Cancel(IJobLease lease) => Canceled.Add(lease.Sequence);
}
