using Mpms.Hosting.Queue;

namespace Mpms.Hosting.Tests.Unit.Queue;

public sealed class RetryBackoffTests
{
    [Theory]
    [InlineData(MpmsBackoffType.Constant, 1, 2)]
    [InlineData(MpmsBackoffType.Constant, 4, 2)]
    [InlineData(MpmsBackoffType.Linear, 1, 2)]
    [InlineData(MpmsBackoffType.Linear, 3, 6)]
    [InlineData(MpmsBackoffType.Exponential, 1, 2)]
    [InlineData(MpmsBackoffType.Exponential, 2, 4)]
    [InlineData(MpmsBackoffType.Exponential, 4, 16)]
    public void DelayAfter_EachBackoffType_GrowsAsDocumented(MpmsBackoffType type, int failedAttempt, int expectedSeconds)
    {
        var options = new MpmsRetryOptions { Delay = TimeSpan.FromSeconds(2), BackoffType = type };

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), RetryBackoff.DelayAfter(options, failedAttempt, random: 0.9));
    }

    [Theory]
    [InlineData(0.0, 750)]
    [InlineData(0.5, 1000)]
    [InlineData(0.999999, 1250)]
    public void DelayAfter_WithJitter_MovesTheDelayByUpToAQuarterEitherWay(double random, int expectedMs)
    {
        var options = new MpmsRetryOptions { Delay = TimeSpan.FromSeconds(1), BackoffType = MpmsBackoffType.Constant, UseJitter = true };

        Assert.Equal(expectedMs, RetryBackoff.DelayAfter(options, 1, random).TotalMilliseconds, precision: 0);
    }

    [Fact]
    public void DelayAfter_PastMaxDelay_IsCutToIt()
    {
        var options = new MpmsRetryOptions { Delay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5), UseJitter = true };

        Assert.Equal(TimeSpan.FromSeconds(4), RetryBackoff.DelayAfter(options, 3, random: 0.5));
        Assert.Equal(TimeSpan.FromSeconds(5), RetryBackoff.DelayAfter(options, 4, random: 0.5));
        Assert.Equal(TimeSpan.FromSeconds(5), RetryBackoff.DelayAfter(options, 4, random: 0.999));
    }

    [Fact]
    public void DelayAfter_ExponentialOfAHighAttemptWithoutMaxDelay_IsOneDayNotAnOverflow()
    {
        var options = new MpmsRetryOptions { Delay = TimeSpan.FromDays(1), BackoffType = MpmsBackoffType.Exponential };

        Assert.Equal(TimeSpan.FromDays(1), RetryBackoff.DelayAfter(options, 100, random: 0));
    }

    [Fact]
    public void DelayAfter_ZeroDelay_IsZeroWhateverTheBackoff()
    {
        var options = new MpmsRetryOptions { Delay = TimeSpan.Zero, BackoffType = MpmsBackoffType.Exponential, UseJitter = true };

        Assert.Equal(TimeSpan.Zero, RetryBackoff.DelayAfter(options, 5, random: 0.7));
    }
}
