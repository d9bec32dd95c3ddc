using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>A job for pools made without worker processes.</summary>
public sealed record EchoJob(string Text, int Number = 0) : IMpmsJob<string>;

/// <summary>Builds pools without worker processes and drives them the way a link does.</summary>
internal static class Pools
{
    public const string Name = "UnitPool";

    public static MpmsPool<EchoJob, string> Create(
        Action<MpmsOptions>? configure = null,
        IMpmsSerializer? serializer = null,
        bool hasCollector = false,
        ILogger? logger = null,
        IPoolProcesses? processes = null,
        bool start = true) =>
        Create<EchoJob, string>(configure, serializer, hasCollector, logger, processes, start);

    public static MpmsPool<TJob, TResult> Create<TJob, TResult>(
        Action<MpmsOptions>? configure = null,
        IMpmsSerializer? serializer = null,
        bool hasCollector = false,
        ILogger? logger = null,
        IPoolProcesses? processes = null,
        bool start = true)
    {
        var options = new MpmsOptions { Processes = 1, ThreadsPerProcess = 1 };
        configure?.Invoke(options);
        var pool = new MpmsPool<TJob, TResult>(Name, options, serializer ?? new MpmsJsonSerializer(), hasCollector, new Mpms.Hosting.Diagnostics.MpmsTelemetry(null), logger ?? NullLogger.Instance);
        if (start)
        {
            pool.Start(processes ?? new FakePoolProcesses());
        }

        return pool;
    }

    /// <summary>Waits for the next job and takes it, as a link's pump does.</summary>
    public static async Task<PendingJob<TJob, TResult>> TakeAsync<TJob, TResult>(this MpmsPool<TJob, TResult> pool, CancellationToken cancellationToken)
    {
        PendingJob<TJob, TResult>? job;
        while (!pool.TryTake(out job))
        {
            await pool.WaitForJobAsync(cancellationToken);
        }

        return job;
    }

    /// <summary>Takes the next job and marks it sent, as a link's pump does.</summary>
    public static async Task<PendingJob<TJob, TResult>> SendNextAsync<TJob, TResult>(this MpmsPool<TJob, TResult> pool)
    {
        PendingJob<TJob, TResult> job = await pool.TakeAsync(CancellationToken.None).WaitAsync(Wire.HangGuard);
        Assert.True(job.TryMarkSent());
        pool.OnSent();
        return job;
    }

    public static PendingJob<TJob, TResult> Pending<TJob, TResult>(this MpmsJobHandle<TResult> handle) => (PendingJob<TJob, TResult>)handle;
}

/// <summary>Records the jobs a pool asks its link to cancel.</summary>
internal sealed class RecordingCanceller : IJobCanceller
{
    public List<long> Canceled { get; } = [];

    public void CancelJob(long sequence) => Canceled.Add(sequence);
}
