using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class StartFailurePolicyTests
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromMilliseconds(1600);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void State_NoFailure_IsRunning()
    {
        StartFailurePolicy policy = Create();

        Assert.Equal(StartFailureState.Running, policy.State);
        Assert.Equal(0, policy.ConsecutiveFailures);
    }

    [Fact]
    public void RecordFailure_Consecutive_DelaysDoubleFromRestartDelayUpToMaxRestartDelay()
    {
        StartFailurePolicy policy = Create(random: new FixedRandom(0.5)); // no jitter: 0.8 + 0.5 × 0.4 = 1

        TimeSpan[] delays = [.. Enumerable.Range(0, 8).Select(_ => policy.RecordFailure().Delay)];

        Assert.Equal([100, 200, 400, 800, 1600, 1600, 1600, 1600], delays.Select(d => d.TotalMilliseconds));
        Assert.Equal(8, policy.ConsecutiveFailures);
    }

    [Theory]
    [InlineData(0.0, 0.8)]
    [InlineData(0.25, 0.9)]
    [InlineData(0.75, 1.1)]
    [InlineData(0.9999999, 1.2)]
    public void RecordFailure_Jitter_StaysWithinTwentyPercentOfTheDoubledDelay(double sample, double factor)
    {
        StartFailurePolicy policy = Create(random: new FixedRandom(sample));

        policy.RecordFailure();
        TimeSpan second = policy.RecordFailure().Delay;

        Assert.Equal(200 * factor, second.TotalMilliseconds, precision: 3);
    }

    [Fact]
    public void RecordFailure_PastTheCap_JitterNeverExceedsMaxRestartDelay()
    {
        StartFailurePolicy policy = Create(random: new FixedRandom(0.9999999));

        TimeSpan[] delays = [.. Enumerable.Range(0, 10).Select(_ => policy.RecordFailure().Delay)];

        Assert.All(delays, d => Assert.True(d <= MaxRestartDelay, $"{d} is past the cap"));
        Assert.Equal(MaxRestartDelay, delays[^1]);
    }

    [Fact]
    public void RecordFailure_SeededRandom_EveryDelayWithinItsJitterBand()
    {
        StartFailurePolicy policy = Create(random: new Random(1234));

        for (int failures = 1; failures <= 40; failures++)
        {
            double expected = Math.Min(RestartDelay.TotalMilliseconds * Math.Pow(2, failures - 1), MaxRestartDelay.TotalMilliseconds);
            Assert.InRange(policy.RecordFailure().Delay.TotalMilliseconds, expected * 0.8, Math.Min(expected * 1.2, MaxRestartDelay.TotalMilliseconds));
        }
    }

    [Fact]
    public void Allow_Running_StartsEveryMissingProcessAtOnce()
    {
        StartFailurePolicy policy = Create();

        Assert.Equal(new StartPermit(3, Timeout.InfiniteTimeSpan), policy.Allow(missing: 3, probing: true));
        Assert.Equal(new StartPermit(0, Timeout.InfiniteTimeSpan), policy.Allow(missing: 0, probing: false));
    }

    [Fact]
    public void Allow_AfterAFailure_HoldsTheNextStartUntilTheDelayHasPassed()
    {
        StartFailurePolicy policy = Create(random: new FixedRandom(0.5));
        policy.RecordFailure();

        Assert.Equal(new StartPermit(0, RestartDelay), policy.Allow(missing: 2, probing: false));
        _clock.Advance(RestartDelay - Tick);
        Assert.Equal(new StartPermit(0, Tick), policy.Allow(missing: 2, probing: false));
        _clock.Advance(Tick);
        Assert.Equal(new StartPermit(1, Timeout.InfiniteTimeSpan), policy.Allow(missing: 2, probing: false));
    }

    [Fact]
    public void Allow_WhileFailingAndAProcessStarts_WaitsForItsOutcome()
    {
        StartFailurePolicy policy = Create(random: new FixedRandom(0.5));
        policy.RecordFailure();
        _clock.Advance(MaxRestartDelay);

        Assert.Equal(new StartPermit(0, Timeout.InfiniteTimeSpan), policy.Allow(missing: 2, probing: true));
        Assert.Equal(new StartPermit(1, Timeout.InfiniteTimeSpan), policy.Allow(missing: 2, probing: false));
    }

    [Fact]
    public void RecordFailure_MaxRestartsWithinTheWindow_FailsThePoolOnce()
    {
        StartFailurePolicy policy = Create(maxRestarts: 3);

        StartFailure first = policy.RecordFailure();
        _clock.Advance(TimeSpan.FromSeconds(4));
        StartFailure second = policy.RecordFailure();
        Assert.Equal(StartFailureState.Faulted, policy.State);
        _clock.Advance(TimeSpan.FromSeconds(4));
        StartFailure third = policy.RecordFailure();
        StartFailure fourth = policy.RecordFailure();

        Assert.Equal((false, 1), (first.PoolFailed, first.FailuresInWindow));
        Assert.Equal((false, 2), (second.PoolFailed, second.FailuresInWindow));
        Assert.Equal((true, 3), (third.PoolFailed, third.FailuresInWindow));
        Assert.Equal((false, 4), (fourth.PoolFailed, fourth.FailuresInWindow));
        Assert.Equal(StartFailureState.Failed, policy.State);
    }

    [Fact]
    public void RecordFailure_SpreadWiderThanTheWindow_NeverFailsThePool()
    {
        StartFailurePolicy policy = Create(maxRestarts: 3);

        for (int i = 0; i < 20; i++)
        {
            StartFailure failure = policy.RecordFailure();
            Assert.False(failure.PoolFailed);
            Assert.InRange(failure.FailuresInWindow, 1, 2);
            _clock.Advance((Window / 2) + Tick);
        }

        Assert.Equal(StartFailureState.Faulted, policy.State);
        Assert.Equal(20, policy.ConsecutiveFailures);
    }

    [Fact]
    public void RecordFailure_AFailureExactlyTheWindowAgo_StillCounts()
    {
        StartFailurePolicy policy = Create(maxRestarts: 2);
        policy.RecordFailure();
        _clock.Advance(Window);

        Assert.True(policy.RecordFailure().PoolFailed);
    }

    [Fact]
    public void RecordFailure_AFailureJustPastTheWindow_NoLongerCounts()
    {
        StartFailurePolicy policy = Create(maxRestarts: 2);
        policy.RecordFailure();
        _clock.Advance(Window + Tick);

        StartFailure failure = policy.RecordFailure();

        Assert.Equal((false, 1), (failure.PoolFailed, failure.FailuresInWindow));
    }

    [Fact]
    public void RecordSuccess_Running_ReportsNothing() => Assert.Null(Create().RecordSuccess());

    [Fact]
    public void RecordSuccess_AfterFailures_RecoversAndStartsAgainAtOnce()
    {
        StartFailurePolicy policy = Create(maxRestarts: 3, random: new FixedRandom(0.5));
        policy.RecordFailure();
        policy.RecordFailure();

        StartRecovery? recovery = policy.RecordSuccess();

        Assert.Equal(new StartRecovery(2, WasFailed: false), recovery);
        Assert.Equal(StartFailureState.Running, policy.State);
        Assert.Equal(new StartPermit(2, Timeout.InfiniteTimeSpan), policy.Allow(missing: 2, probing: false));
        Assert.Null(policy.RecordSuccess());
    }

    [Fact]
    public void RecordSuccess_AfterThePoolFailed_SaysItWasFailed_AndTheBackOffAndWindowStartAfresh()
    {
        StartFailurePolicy policy = Create(maxRestarts: 2, random: new FixedRandom(0.5));
        policy.RecordFailure();
        policy.RecordFailure();
        policy.RecordFailure();
        Assert.Equal(StartFailureState.Failed, policy.State);

        Assert.Equal(new StartRecovery(3, WasFailed: true), policy.RecordSuccess());
        StartFailure next = policy.RecordFailure();

        Assert.Equal((1, RestartDelay, 1, false), (next.ConsecutiveFailures, next.Delay, next.FailuresInWindow, next.PoolFailed));
        Assert.Equal(StartFailureState.Faulted, policy.State);
        Assert.True(policy.RecordFailure().PoolFailed);
    }

    private StartFailurePolicy Create(int maxRestarts = 5, Random? random = null) =>
        new(new MpmsOptions { RestartDelay = RestartDelay, MaxRestartDelay = MaxRestartDelay, MaxRestarts = maxRestarts, RestartWindow = Window }, _clock, random);

    /// <summary>A random source that always draws the same sample, to pin the jitter.</summary>
    private sealed class FixedRandom(double sample) : Random
    {
        public override double NextDouble() => sample;
    }
}
