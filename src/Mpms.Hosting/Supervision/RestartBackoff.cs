namespace Mpms.Hosting.Supervision;

/// <summary>
/// The delay before the next attempt to start a process after consecutive start failures: the base delay doubled per
/// failure, capped, with ±20 % jitter so that pools failing together do not retry in step.
/// </summary>
internal static class RestartBackoff
{
    public static TimeSpan Delay(int consecutiveFailures, TimeSpan initial, TimeSpan max)
    {
        if (consecutiveFailures <= 0)
        {
            return TimeSpan.Zero;
        }

        double exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Min(consecutiveFailures - 1, 30));
        double capped = Math.Min(exponential, max.TotalMilliseconds);
        double jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromMilliseconds(Math.Min(capped * jitter, max.TotalMilliseconds));
    }
}
