namespace Mpms.Hosting.Supervision;

/// <summary>
/// The delay before the next attempt to start a process after consecutive start failures: the base delay doubled per
/// failure, capped, with ±20 % jitter so that pools failing together do not retry in step.
/// </summary>
internal static class RestartBackoff
{
    /// <summary>How much shorter or longer than the doubled delay a delay may be, as a share of it.</summary>
    public const double Jitter = 0.2;

    public static TimeSpan Delay(int consecutiveFailures, TimeSpan initial, TimeSpan max) =>
        Delay(consecutiveFailures, initial, max, Random.Shared);

    /// <summary>The delay after <paramref name="consecutiveFailures"/>, its jitter drawn from <paramref name="random"/>.</summary>
    public static TimeSpan Delay(int consecutiveFailures, TimeSpan initial, TimeSpan max, Random random)
    {
        if (consecutiveFailures <= 0)
        {
            return TimeSpan.Zero;
        }

        double exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Min(consecutiveFailures - 1, 30));
        double capped = Math.Min(exponential, max.TotalMilliseconds);
        double jitter = 0.8 + (random.NextDouble() * 0.4); // 1 ± Jitter
        return TimeSpan.FromMilliseconds(Math.Min(capped * jitter, max.TotalMilliseconds));
    }
}
