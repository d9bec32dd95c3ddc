using Mpms.Hosting.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mpms.Hosting.HealthChecks;

/// <summary>
/// Reports the pools' health: Healthy with every process ready, Degraded with fewer (or while processes fail to start
/// or the pool stops), Unhealthy when a pool has failed or stopped. The data carries each pool's counts.
/// </summary>
internal sealed class MpmsHealthCheck(IEnumerable<IPoolStatus> pools, string? poolName) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IPoolStatus[] selected = pools.Where(p => poolName is null || p.PoolName == poolName).ToArray();
        if (selected.Length == 0)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, poolName is null ? "No Mpms pool is registered." : $"No Mpms pool is named '{poolName}'."));
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var problems = new List<string>();
        HealthStatus status = HealthStatus.Healthy;
        foreach (IPoolStatus pool in selected)
        {
            MpmsPoolStats stats = pool.GetStats();
            string prefix = selected.Length == 1 ? "" : pool.PoolName + ".";
            data[prefix + "State"] = stats.State.ToString();
            data[prefix + "Health"] = stats.Health.ToString();
            data[prefix + "ProcessesReady"] = stats.ProcessesReady;
            data[prefix + "ProcessesAlive"] = stats.ProcessesAlive;
            data[prefix + "ProcessesConfigured"] = pool.ConfiguredProcesses;
            data[prefix + "Queued"] = stats.Queued;
            data[prefix + "Running"] = stats.Running;
            data[prefix + "Succeeded"] = stats.Succeeded;
            data[prefix + "Failed"] = stats.Failed;
            data[prefix + "TimedOut"] = stats.TimedOut;
            data[prefix + "WorkerLost"] = stats.WorkerLost;
            data[prefix + "Canceled"] = stats.Canceled;
            data[prefix + "Restarts"] = stats.Restarts;

            HealthStatus poolStatus = (stats.State, stats.Health) switch
            {
                (MpmsPoolState.Stopped or MpmsPoolState.NotStarted, _) or (_, MpmsPoolHealth.Failed) => context.Registration.FailureStatus,
                (MpmsPoolState.Completing, _) or (_, MpmsPoolHealth.Faulted or MpmsPoolHealth.Degraded) => HealthStatus.Degraded,
                _ when stats.ProcessesReady < pool.ConfiguredProcesses => HealthStatus.Degraded,
                _ => HealthStatus.Healthy,
            };
            if (poolStatus != HealthStatus.Healthy)
            {
                problems.Add($"pool {pool.PoolName} is {stats.State} and {stats.Health} with {stats.ProcessesReady} of {pool.ConfiguredProcesses} processes ready");
            }

            status = (HealthStatus)Math.Min((int)status, (int)poolStatus);
        }

        string description = problems.Count == 0
            ? $"{selected.Length} pool(s) with every process ready."
            : string.Join("; ", problems) + ".";
        return Task.FromResult(new HealthCheckResult(status, description, data: data));
    }
}
