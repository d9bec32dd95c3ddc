using Mpms.Hosting.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Mpms.Hosting.HealthChecks;

/// <summary>
/// Reports the pools' health (the rules are <see cref="PoolHealthCheckRules"/>'s) with a description that names every
/// reason, and each pool's counts in the result's data, keyed by name (prefixed with the pool's name when several pools
/// are checked).
/// </summary>
internal sealed class MpmsHealthCheck(IEnumerable<IPoolStatus> pools, IOptionsMonitor<MpmsOptions> options, string? poolName) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IPoolStatus[] selected = pools.Where(p => poolName is null || p.PoolName == poolName).ToArray();
        if (selected.Length == 0)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, poolName is null ? "No Mpms pool is registered." : $"No Mpms pool is named '{poolName}'."));
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var reasons = new List<string>();
        HealthStatus status = HealthStatus.Healthy;
        foreach (IPoolStatus pool in selected)
        {
            MpmsPoolStats stats = pool.GetStats();
            MpmsOptions poolOptions = options.Get(pool.PoolName);
            AddData(data, selected.Length == 1 ? "" : pool.PoolName + ".", stats, poolOptions);
            HealthStatus poolStatus = PoolHealthCheckRules.Evaluate(stats, poolOptions, context.Registration.FailureStatus, reasons);
            status = (HealthStatus)Math.Min((int)status, (int)poolStatus);
        }

        string description = reasons.Count == 0
            ? $"{selected.Length} pool(s) with every process ready and room in the queue."
            : string.Join("; ", reasons) + ".";
        return Task.FromResult(new HealthCheckResult(status, description, data: data));
    }

    private static void AddData(Dictionary<string, object> data, string prefix, MpmsPoolStats stats, MpmsOptions options)
    {
        data[prefix + "State"] = stats.State.ToString();
        data[prefix + "Health"] = stats.Health.ToString();
        data[prefix + "ProcessesConfigured"] = stats.ProcessesConfigured;
        data[prefix + "ProcessesReady"] = stats.ProcessesReady;
        data[prefix + "ProcessesStarting"] = stats.ProcessesStarting;
        data[prefix + "WarmSparesReady"] = stats.WarmSparesReady;
        data[prefix + "ProcessesAlive"] = stats.ProcessesAlive;
        data[prefix + "ConsecutiveStartFailures"] = stats.ConsecutiveStartFailures;
        data[prefix + "Restarts"] = stats.Restarts;
        data[prefix + "RestartsInWindow"] = stats.RestartsInWindow;
        data[prefix + "Queued"] = stats.Queued;
        data[prefix + "HeldAhead"] = stats.HeldAhead;
        data[prefix + "QueueCapacity"] = stats.QueueCapacity;
        data[prefix + "Scheduled"] = stats.Scheduled;
        data[prefix + "QueueFullRecently"] = PoolHealthCheckRules.IsQueueFullRecently(stats, options);
        if (stats.TimeSinceQueueFull is TimeSpan sinceFull)
        {
            data[prefix + "QueueFullSecondsAgo"] = Seconds(sinceFull);
        }

        data[prefix + "OldestQueuedJobSeconds"] = Seconds(stats.OldestQueuedJobAge ?? TimeSpan.Zero);
        data[prefix + "Running"] = stats.Running;
        data[prefix + "Succeeded"] = stats.Succeeded;
        data[prefix + "Failed"] = stats.Failed;
        data[prefix + "TimedOut"] = stats.TimedOut;
        data[prefix + "WorkerLost"] = stats.WorkerLost;
        data[prefix + "Canceled"] = stats.Canceled;
    }

    // Milliseconds are the finest a probe can act on; more digits would only be noise in the JSON.
    private static double Seconds(TimeSpan value) => Math.Round(value.TotalSeconds, 3);
}
