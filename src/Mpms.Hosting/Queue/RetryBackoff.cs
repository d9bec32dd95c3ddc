namespace Mpms.Hosting.Queue;

/// <summary>
/// The delay before a retry, from <see cref="MpmsRetryOptions"/>: constant, linear or exponential in the number of the
/// attempt that failed, moved by up to 25% either way with jitter, and never past the longest delay.
/// </summary>
/// <remarks>
/// Polly's retry strategy computes the same shapes, but inside its pipeline (its helper is not public), and a pipeline
/// retries by looping around one awaited call; a job here is retried by going back to the queue once its outcome comes
/// from another process. So the calculation is written once here, with Polly's names and its ±25% jitter.
/// </remarks>
internal static class RetryBackoff
{
    /// <summary>The delay before the attempt after <paramref name="failedAttempt"/>.</summary>
    /// <param name="options">The retry policy.</param>
    /// <param name="failedAttempt">The number of the attempt that failed, from 1.</param>
    /// <param name="random">A number in [0, 1): where the jitter falls.</param>
    public static TimeSpan DelayAfter(MpmsRetryOptions options, int failedAttempt, double random)
    {
        double ticks = options.Delay.Ticks;
        ticks = options.BackoffType switch
        {
            MpmsBackoffType.Linear => ticks * failedAttempt,
            MpmsBackoffType.Exponential => ticks * Math.Pow(2, failedAttempt - 1),
            _ => ticks,
        };

        if (options.UseJitter)
        {
            ticks *= 0.75 + (random * 0.5);
        }

        // Capped in double arithmetic first: an exponential delay overflows a TimeSpan long before it reaches a cap.
        double cap = (options.MaxDelay ?? MpmsRetryOptions.MaxWait).Ticks;
        return TimeSpan.FromTicks((long)Math.Min(ticks, cap));
    }
}
