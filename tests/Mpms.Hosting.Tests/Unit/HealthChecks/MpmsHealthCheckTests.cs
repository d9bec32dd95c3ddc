using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.HealthChecks;

public sealed class MpmsHealthCheckTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly MpmsOptions _options = new() { HealthQueueFullWindow = Window, HealthQueueWaitLimit = WaitLimit };

    [Fact]
    public void CheckHealth_ReadyPoolWithRoom_IsHealthy()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 2, time: _time);
        Assert.True(pool.TryPut(new EchoJob("a"), out _));

        HealthCheckResult result = HealthChecking.Check(_options, pools: new QueuePool(pool));

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("1 pool(s) with every process ready and room in the queue.", result.Description);
        Assert.Equal(false, result.Data["QueueFullRecently"]);
        Assert.False(result.Data.ContainsKey("QueueFullSecondsAgo"));
    }

    [Fact]
    public void CheckHealth_QueueFilledUntilTryPutRefuses_IsDegradedNamingTheQueue()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 2, time: _time);
        Assert.True(pool.TryPut(new EchoJob("a"), out _));
        Assert.True(pool.TryPut(new EchoJob("b"), out _));
        Assert.False(pool.TryPut(new EchoJob("c"), out _));

        HealthCheckResult result = HealthChecking.Check(_options, pools: new QueuePool(pool));

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("pool UnitPool: queue full now (2 waiting, capacity 2).", result.Description);
        Assert.Equal((2L, 2, true, 0.0), (result.Data["Queued"], result.Data["QueueCapacity"], result.Data["QueueFullRecently"], result.Data["QueueFullSecondsAgo"]));
    }

    [Fact]
    public void CheckHealth_QueueWasFull_StaysDegradedForTheWindowThenIsHealthyAgain()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1, time: _time);
        Assert.True(pool.TryPut(new EchoJob("a"), out MpmsJobHandle<string>? first));
        Assert.False(pool.TryPut(new EchoJob("b"), out _));

        // The job leaves the queue: there is room again, but the refusal was recent.
        Assert.True(pool.TryLease(out PendingJob<EchoJob, string>? leased));
        Assert.Same(first, leased);
        _time.Advance(TimeSpan.FromSeconds(10));
        HealthCheckResult recent = HealthChecking.Check(_options, pools: new QueuePool(pool));

        Assert.Equal(HealthStatus.Degraded, recent.Status);
        Assert.Equal("pool UnitPool: queue was full 10 s ago, within the last 30 s (0 waiting now, capacity 1).", recent.Description);
        Assert.Equal((0L, true, 10.0), (recent.Data["Queued"], recent.Data["QueueFullRecently"], recent.Data["QueueFullSecondsAgo"]));

        // At the edge of the window it still counts; past it, no more.
        _time.Advance(Window - TimeSpan.FromSeconds(10));
        Assert.Equal(HealthStatus.Degraded, HealthChecking.Check(_options, pools: new QueuePool(pool)).Status);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        HealthCheckResult later = HealthChecking.Check(_options, pools: new QueuePool(pool));

        Assert.Equal(HealthStatus.Healthy, later.Status);
        Assert.Equal((false, 30.001), (later.Data["QueueFullRecently"], later.Data["QueueFullSecondsAgo"]));
    }

    [Fact]
    public void CheckHealth_HeadOfTheQueueWaitedLongerThanTheLimit_IsDegradedUntilItLeaves()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 10, time: _time);
        Assert.True(pool.TryPut(new EchoJob("a"), out _));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(pool.TryPut(new EchoJob("b"), out _));

        // Exactly the limit is not longer than it.
        _time.Advance(WaitLimit - TimeSpan.FromSeconds(5));
        HealthCheckResult atLimit = HealthChecking.Check(_options, pools: new QueuePool(pool));
        Assert.Equal(HealthStatus.Healthy, atLimit.Status);
        Assert.Equal(20.0, atLimit.Data["OldestQueuedJobSeconds"]);

        _time.Advance(TimeSpan.FromSeconds(1));
        HealthCheckResult overdue = HealthChecking.Check(_options, pools: new QueuePool(pool));

        Assert.Equal(HealthStatus.Degraded, overdue.Status);
        Assert.Equal("pool UnitPool: the job at the head of the queue has waited 21 s, longer than 20 s (2 waiting).", overdue.Description);
        Assert.Equal(21.0, overdue.Data["OldestQueuedJobSeconds"]);

        // The head leaves; the next job has waited 16 s.
        Assert.True(pool.TryLease(out _));
        HealthCheckResult next = HealthChecking.Check(_options, pools: new QueuePool(pool));
        Assert.Equal(HealthStatus.Healthy, next.Status);
        Assert.Equal(16.0, next.Data["OldestQueuedJobSeconds"]);

        Assert.True(pool.TryLease(out _));
        Assert.Equal(0.0, HealthChecking.Check(_options, pools: new QueuePool(pool)).Data["OldestQueuedJobSeconds"]);
    }

    [Fact]
    public void CheckHealth_QueueFullAndOverdue_NamesBothReasons()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1, time: _time);
        Assert.True(pool.TryPut(new EchoJob("a"), out _));
        Assert.False(pool.TryPut(new EchoJob("b"), out _));
        _time.Advance(TimeSpan.FromSeconds(45));

        HealthCheckResult result = HealthChecking.Check(_options, pools: new QueuePool(pool));

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal(
            "pool UnitPool: queue full now (1 waiting, capacity 1); pool UnitPool: the job at the head of the queue has waited 45 s, longer than 20 s (1 waiting).",
            result.Description);
    }

    [Fact]
    public void CheckHealth_EveryCount_IsInTheDataUnderItsKey()
    {
        var stats = new MpmsPoolStats
        {
            PoolName = "Thumbs",
            State = MpmsPoolState.Running,
            Health = MpmsPoolHealth.Faulted,
            Accepted = 100,
            Queued = 7,
            HeldAhead = 4,
            QueueCapacity = 50,
            Scheduled = 6,
            OldestQueuedJobAge = TimeSpan.FromMilliseconds(2345.6),
            TimeSinceQueueFull = TimeSpan.FromMinutes(2),
            Running = 3,
            Succeeded = 80,
            Failed = 4,
            TimedOut = 2,
            WorkerLost = 1,
            Canceled = 3,
            ProcessesConfigured = 4,
            ProcessesAlive = 3,
            ProcessesReady = 2,
            ProcessesStarting = 1,
            WarmSparesReady = 1,
            ConsecutiveStartFailures = 2,
            Restarts = 9,
            RestartsInWindow = 5,
        };

        HealthCheckResult result = HealthChecking.Check(_options, pools: new StatsPool(stats));

        Assert.Equal(
            new Dictionary<string, object>
            {
                ["State"] = "Running",
                ["Health"] = "Faulted",
                ["ProcessesConfigured"] = 4,
                ["ProcessesReady"] = 2,
                ["ProcessesStarting"] = 1,
                ["WarmSparesReady"] = 1,
                ["ProcessesAlive"] = 3,
                ["ConsecutiveStartFailures"] = 2,
                ["Restarts"] = 9L,
                ["RestartsInWindow"] = 5,
                ["Queued"] = 7L,
                ["HeldAhead"] = 4L,
                ["QueueCapacity"] = 50,
                ["Scheduled"] = 6L,
                ["QueueFullRecently"] = false,
                ["QueueFullSecondsAgo"] = 120.0,
                ["OldestQueuedJobSeconds"] = 2.346,
                ["Running"] = 3L,
                ["Succeeded"] = 80L,
                ["Failed"] = 4L,
                ["TimedOut"] = 2L,
                ["WorkerLost"] = 1L,
                ["Canceled"] = 3L,
            }.OrderBy(p => p.Key, StringComparer.Ordinal),
            result.Data.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("pool Thumbs is Running and Faulted with 2 of 4 processes ready.", result.Description);
    }

    [Theory]
    [InlineData(MpmsPoolState.Running, MpmsPoolHealth.Healthy, 2, HealthStatus.Healthy)]
    [InlineData(MpmsPoolState.Running, MpmsPoolHealth.Healthy, 1, HealthStatus.Degraded)]
    [InlineData(MpmsPoolState.Running, MpmsPoolHealth.Degraded, 1, HealthStatus.Degraded)]
    [InlineData(MpmsPoolState.Running, MpmsPoolHealth.Faulted, 0, HealthStatus.Degraded)]
    [InlineData(MpmsPoolState.Completing, MpmsPoolHealth.Healthy, 2, HealthStatus.Degraded)]
    [InlineData(MpmsPoolState.Running, MpmsPoolHealth.Failed, 0, HealthStatus.Unhealthy)]
    [InlineData(MpmsPoolState.Stopped, MpmsPoolHealth.Healthy, 0, HealthStatus.Unhealthy)]
    [InlineData(MpmsPoolState.NotStarted, MpmsPoolHealth.Healthy, 0, HealthStatus.Unhealthy)]
    public void CheckHealth_ProcessesAndLifeStage_DecideTheStatus(MpmsPoolState state, MpmsPoolHealth health, int ready, HealthStatus expected)
    {
        var stats = new MpmsPoolStats { PoolName = "Thumbs", State = state, Health = health, ProcessesConfigured = 2, ProcessesReady = ready, QueueCapacity = 10 };

        HealthCheckResult result = HealthChecking.Check(_options, pools: new StatsPool(stats));

        Assert.Equal(expected, result.Status);
        Assert.Equal(expected == HealthStatus.Healthy, !result.Description!.StartsWith("pool Thumbs is", StringComparison.Ordinal));
    }

    [Fact]
    public void CheckHealth_FailedPoolWithAFailureStatus_ReportsThatStatus()
    {
        var stats = new MpmsPoolStats { PoolName = "Thumbs", State = MpmsPoolState.Running, Health = MpmsPoolHealth.Failed, ProcessesConfigured = 2 };

        Assert.Equal(HealthStatus.Degraded, HealthChecking.Check(_options, HealthStatus.Degraded, pools: new StatsPool(stats)).Status);
    }

    [Fact]
    public void CheckHealth_SeveralPools_PrefixesTheKeysAndReportsTheWorst()
    {
        var healthy = new StatsPool(new MpmsPoolStats { PoolName = "A", State = MpmsPoolState.Running, ProcessesConfigured = 1, ProcessesReady = 1, Queued = 1 });
        var full = new StatsPool(new MpmsPoolStats { PoolName = "B", State = MpmsPoolState.Running, ProcessesConfigured = 1, ProcessesReady = 1, Queued = 5, QueueCapacity = 5, TimeSinceQueueFull = TimeSpan.Zero });

        HealthCheckResult result = HealthChecking.Check(_options, pools: [healthy, full]);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("pool B: queue full now (5 waiting, capacity 5).", result.Description);
        Assert.Equal((1L, 5L, false, true), (result.Data["A.Queued"], result.Data["B.Queued"], result.Data["A.QueueFullRecently"], result.Data["B.QueueFullRecently"]));
        Assert.False(result.Data.ContainsKey("Queued"));
    }

    [Fact]
    public void CheckHealth_NamedPoolMissing_ReportsTheFailureStatusNamingIt()
    {
        var pool = new StatsPool(new MpmsPoolStats { PoolName = "A", State = MpmsPoolState.Running, ProcessesConfigured = 1, ProcessesReady = 1 });

        HealthCheckResult result = HealthChecking.Check(_options, poolName: "B", pools: pool);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("No Mpms pool is named 'B'.", result.Description);
    }
}
