using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.HealthChecks;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.HealthChecks;

/// <summary>A pool whose counters a test writes.</summary>
internal sealed class StatsPool(MpmsPoolStats stats) : IPoolStatus
{
    public MpmsPoolStats Stats { get; set; } = stats;

    public string PoolName => Stats.PoolName;

    public int ConfiguredProcesses => Stats.ProcessesConfigured;

    public MpmsPoolStats GetStats() => Stats;
}

/// <summary>A real queue with no processes, whose one process a test calls ready: the queue's counters are the real ones.</summary>
internal sealed class QueuePool(UnitPool<EchoJob, string> pool) : IPoolStatus
{
    public string PoolName => Pools.Name;

    public int ConfiguredProcesses => 1;

    public MpmsPoolStats GetStats() => pool.GetStats() with { ProcessesConfigured = 1, ProcessesAlive = 1, ProcessesReady = 1 };
}

/// <summary>The same options for every pool name.</summary>
internal sealed class FixedOptions(MpmsOptions options) : IOptionsMonitor<MpmsOptions>
{
    public MpmsOptions CurrentValue => options;

    public MpmsOptions Get(string? name) => options;

    public IDisposable? OnChange(Action<MpmsOptions, string?> listener) => null;
}

internal static class HealthChecking
{
    public static HealthCheckResult Check(MpmsOptions options, HealthStatus failureStatus = HealthStatus.Unhealthy, string? poolName = null, params IPoolStatus[] pools)
    {
        var check = new MpmsHealthCheck(pools, new FixedOptions(options), poolName);
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("mpms", check, failureStatus, tags: null) };

        // The check completes synchronously: it only reads counters.
        Task<HealthCheckResult> result = check.CheckHealthAsync(context);
        Assert.True(result.IsCompleted);
        return result.Result;
    }
}
