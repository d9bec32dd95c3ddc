using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mpms.Hosting.HealthChecks;

/// <summary>
/// The health check's verdict on one pool, from a snapshot of its counters and its options: a plain function, so that
/// the rules are tested without processes or clocks.
/// </summary>
internal static class PoolHealthCheckRules
{
    /// <summary>
    /// Failed, stopped or not started: <paramref name="failureStatus"/>. Degraded while completing, while processes are
    /// missing or fail to start, while the queue is full or was full within <see cref="MpmsOptions.HealthQueueFullWindow"/>,
    /// or while the job at its head has waited longer than <see cref="MpmsOptions.HealthQueueWaitLimit"/>. Else Healthy.
    /// </summary>
    /// <param name="pool">The pool's counters.</param>
    /// <param name="options">The pool's options.</param>
    /// <param name="failureStatus">The status of a pool that cannot run jobs.</param>
    /// <param name="reasons">Receives one sentence for every rule that holds.</param>
    public static HealthStatus Evaluate(MpmsPoolStats pool, MpmsOptions options, HealthStatus failureStatus, List<string> reasons)
    {
        if (pool.State is MpmsPoolState.Stopped or MpmsPoolState.NotStarted || pool.Health == MpmsPoolHealth.Failed)
        {
            reasons.Add(ProcessSentence(pool));
            return failureStatus;
        }

        HealthStatus status = HealthStatus.Healthy;
        if (pool.State == MpmsPoolState.Completing || pool.Health != MpmsPoolHealth.Healthy || pool.ProcessesReady < pool.ProcessesConfigured)
        {
            reasons.Add(ProcessSentence(pool));
            status = HealthStatus.Degraded;
        }

        if (IsQueueFullRecently(pool, options))
        {
            TimeSpan since = pool.TimeSinceQueueFull!.Value;
            reasons.Add(since == TimeSpan.Zero
                ? $"pool {pool.PoolName}: queue full now ({pool.Queued} waiting, capacity {pool.QueueCapacity})"
                : $"pool {pool.PoolName}: queue was full {Seconds(since)} s ago, within the last {Seconds(options.HealthQueueFullWindow)} s ({pool.Queued} waiting now, capacity {pool.QueueCapacity})");
            status = HealthStatus.Degraded;
        }

        if (pool.OldestQueuedJobAge is TimeSpan age && age > options.HealthQueueWaitLimit)
        {
            reasons.Add($"pool {pool.PoolName}: the job at the head of the queue has waited {Seconds(age)} s, longer than {Seconds(options.HealthQueueWaitLimit)} s ({pool.Queued} waiting)");
            status = HealthStatus.Degraded;
        }

        return status;
    }

    /// <summary>Whether the queue is full now or was full within <see cref="MpmsOptions.HealthQueueFullWindow"/>.</summary>
    public static bool IsQueueFullRecently(MpmsPoolStats pool, MpmsOptions options) =>
        pool.TimeSinceQueueFull is TimeSpan since && since <= options.HealthQueueFullWindow;

    private static string ProcessSentence(MpmsPoolStats pool) =>
        $"pool {pool.PoolName} is {pool.State} and {pool.Health} with {pool.ProcessesReady} of {pool.ProcessesConfigured} processes ready";

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
}
