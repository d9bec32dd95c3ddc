using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class RestartBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Delay_NoFailures_IsZero(int failures) =>
        Assert.Equal(TimeSpan.Zero, RestartBackoff.Delay(failures, Initial, Max));

    [Theory]
    [InlineData(1, 500)]
    [InlineData(2, 1000)]
    [InlineData(3, 2000)]
    [InlineData(4, 4000)]
    [InlineData(6, 16000)]
    public void Delay_UnderTheCap_IsTheDoubledDelayWithinTwentyPercent(int failures, double expectedMs)
    {
        for (int i = 0; i < 500; i++)
        {
            double delay = RestartBackoff.Delay(failures, Initial, Max).TotalMilliseconds;
            Assert.InRange(delay, expectedMs * 0.8, expectedMs * 1.2);
        }
    }

    [Fact]
    public void Delay_OneMoreFailure_IsAlwaysLongerUnderTheCap()
    {
        // [0.8x, 1.2x] and [1.6x, 2.4x] do not overlap, so every sample of n+1 exceeds every sample of n.
        for (int failures = 1; failures < 6; failures++)
        {
            double longestNow = Enumerable.Range(0, 200).Max(_ => RestartBackoff.Delay(failures, Initial, Max).TotalMilliseconds);
            double shortestNext = Enumerable.Range(0, 200).Min(_ => RestartBackoff.Delay(failures + 1, Initial, Max).TotalMilliseconds);
            Assert.True(shortestNext > longestNow, $"after {failures + 1} failures {shortestNext} ms, after {failures} up to {longestNow} ms");
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(31)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void Delay_PastTheCap_StaysWithinEightyPercentOfTheCapAndTheCap(int failures)
    {
        for (int i = 0; i < 500; i++)
        {
            TimeSpan delay = RestartBackoff.Delay(failures, Initial, Max);
            Assert.InRange(delay, Max * 0.8, Max);
        }
    }

    [Fact]
    public void Delay_ManySamples_AreJittered()
    {
        TimeSpan[] samples = [.. Enumerable.Range(0, 200).Select(_ => RestartBackoff.Delay(3, Initial, Max))];

        Assert.True(samples.Distinct().Count() > 50, "The delays do not vary: there is no jitter.");
        Assert.Contains(samples, s => s.TotalMilliseconds < 2000);
        Assert.Contains(samples, s => s.TotalMilliseconds > 2000);
    }

    [Fact]
    public void Delay_LargestAllowedCap_NeverOverflows()
    {
        for (int failures = 1; failures < 80; failures++)
        {
            TimeSpan delay = RestartBackoff.Delay(failures, TimeSpan.FromDays(1), TimeSpan.MaxValue);
            Assert.InRange(delay, TimeSpan.FromDays(0.8), TimeSpan.MaxValue);
        }
    }

    [Theory]
    [InlineData(0.0, 1600)]
    [InlineData(0.5, 2000)]
    [InlineData(0.9999999, 2400)]
    public void Delay_GivenRandom_DrawsTheJitterFromIt(double sample, double expectedMs) =>
        Assert.Equal(expectedMs, RestartBackoff.Delay(3, Initial, Max, new FixedRandom(sample)).TotalMilliseconds, precision: 2);

    private sealed class FixedRandom(double sample) : Random
    {
        public override double NextDouble() => sample;
    }
}
