namespace Mpms.Hosting.Queue;

/// <summary>What becomes of a job whose worker threw, under its retry policy.</summary>
internal enum RetryVerdict
{
    /// <summary>The policy does not retry this failure (no retries set, or the exception does not match): it is the outcome.</summary>
    NotRetried,

    /// <summary>It runs again after the delay.</summary>
    Retry,

    /// <summary>It would be retried, but that was its last attempt: it is the outcome.</summary>
    Exhausted,
}

/// <summary>
/// The pool's rule for jobs whose worker threw (<see cref="MpmsOptions.Retry"/>, or a job's own
/// <see cref="MpmsPutOptions.Retry"/>): whether the failure is retried, and after how long.
/// </summary>
internal sealed class RetryPolicy(MpmsRetryOptions poolOptions, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    /// <summary>Gets the pool's policy, for jobs put without one of their own.</summary>
    public MpmsRetryOptions PoolOptions => poolOptions;

    /// <summary>Decides about a failed attempt.</summary>
    /// <param name="options">The job's policy.</param>
    /// <param name="attempt">The number of the attempt that failed, from 1.</param>
    /// <param name="failure">What the worker threw.</param>
    /// <param name="delay">The delay before the next attempt, when it is retried.</param>
    /// <exception cref="Exception">Whatever <see cref="MpmsRetryOptions.ShouldRetry"/> throws.</exception>
    public RetryVerdict Decide(MpmsRetryOptions options, int attempt, MpmsWorkerException failure, out TimeSpan delay)
    {
        delay = TimeSpan.Zero;
        if (options.MaxAttempts <= 1 || !Matches(options.ExceptionTypes, failure.RemoteType))
        {
            return RetryVerdict.NotRetried;
        }

        if (attempt >= options.MaxAttempts)
        {
            return RetryVerdict.Exhausted;
        }

        if (options.ShouldRetry is { } shouldRetry && !shouldRetry(failure))
        {
            return RetryVerdict.NotRetried;
        }

        delay = RetryBackoff.DelayAfter(options, attempt, _random());
        return RetryVerdict.Retry;
    }

    /// <summary>Whether the type the worker threw is one of <paramref name="types"/>, by full or short name; any when there are none.</summary>
    internal static bool Matches(IList<string> types, string thrown)
    {
        if (types.Count == 0)
        {
            return true;
        }

        // Nested types arrive as Outer+Inner: the short name is what follows the last '.' or '+'.
        string shortName = thrown[(thrown.LastIndexOfAny(['.', '+']) + 1)..];
        foreach (string type in types)
        {
            string name = type.Trim();
            if (string.Equals(name, thrown, StringComparison.Ordinal) || string.Equals(name, shortName, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
