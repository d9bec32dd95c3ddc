namespace Mpms.Hosting;

/// <summary>
/// When and how often a job whose worker threw is run again: for a pool (<see cref="MpmsOptions.Retry"/>, bound from
/// <c>Mpms:Retry</c>) or for one job (<see cref="MpmsPutOptions.Retry"/>). Only a job that ends
/// <see cref="MpmsJobStatus.Failed"/> because its worker threw is retried; a job that timed out, lost its process
/// (see <see cref="MpmsOptions.OnWorkerLost"/>) or was canceled is not.
/// </summary>
/// <remarks>
/// The names follow Polly's <c>RetryStrategyOptions</c>, but a retry here is not a loop around a call: the job goes back
/// to the queue after its delay, keeps its id and its handle, and may run in another process or thread. Its one outcome
/// says how many attempts it took (<see cref="MpmsResult{TJob, TResult}.Attempt"/>, <see cref="MpmsWorkerException.Attempt"/>).
/// </remarks>
public sealed class MpmsRetryOptions
{
    /// <summary>The longest delay a retry may wait; longer delays are cut to it.</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    /// <summary>Gets or sets how many times a job is tried in all, the first run included.</summary>
    /// <value>The default is 1: no retries. Must be between 1 and 100.</value>
    public int MaxAttempts { get; set; } = 1;

    /// <summary>Gets or sets the base delay before a retry; <see cref="BackoffType"/> says how it grows.</summary>
    /// <value>The default is 2 seconds (as in Polly). Must be between 0 and 1 day; 0 retries at once.</value>
    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how the delay grows from one retry to the next.</summary>
    /// <value>The default is <see cref="MpmsBackoffType.Exponential"/>.</value>
    public MpmsBackoffType BackoffType { get; set; } = MpmsBackoffType.Exponential;

    /// <summary>Gets or sets a value indicating whether each delay is moved at random by up to 25% either way, so that
    /// jobs that failed together do not all come back together.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool UseJitter { get; set; }

    /// <summary>Gets or sets the longest delay before a retry.</summary>
    /// <value>The default, <see langword="null"/>, means 1 day. Must not be less than <see cref="Delay"/>.</value>
    public TimeSpan? MaxDelay { get; set; }

    /// <summary>Gets the exception types that are retried, by full name (<c>System.TimeoutException</c>) or short name
    /// (<c>TimeoutException</c>), matched against the type the worker threw (not its base types).</summary>
    /// <value>The default is empty: every exception a worker throws is retried.</value>
    public IList<string> ExceptionTypes { get; } = new List<string>();

    /// <summary>Gets or sets a predicate that decides, in code, whether a failure is retried; it is asked only for a
    /// failure that <see cref="ExceptionTypes"/> lets through and that has attempts left.</summary>
    /// <value>The default, <see langword="null"/>, retries every such failure.</value>
    /// <remarks>It runs in the application on the path that reads results: keep it short. If it throws, the failure is not retried.</remarks>
    public Func<MpmsWorkerException, bool>? ShouldRetry { get; set; }

    /// <summary>Lists what is wrong with these options, each error naming its key under <paramref name="prefix"/>.</summary>
    internal void Validate(string prefix, List<string> errors)
    {
        void Check(bool valid, string key, string rule, object? value)
        {
            if (!valid)
            {
                errors.Add($"{prefix}{key} {rule} (it is {value ?? "null"}).");
            }
        }

        Check(MaxAttempts is >= 1 and <= 100, nameof(MaxAttempts), "must be between 1 and 100", MaxAttempts);
        Check(Delay >= TimeSpan.Zero && Delay <= MaxWait, nameof(Delay), "must be between 0 and 1 day", Delay);
        Check(Enum.IsDefined(BackoffType), nameof(BackoffType), "must be Constant, Linear or Exponential", BackoffType);
        Check(MaxDelay is null || (MaxDelay >= Delay && MaxDelay <= MaxWait), nameof(MaxDelay), $"must be between Delay ({Delay}) and 1 day, or absent", MaxDelay);
        Check(ExceptionTypes.All(t => !string.IsNullOrWhiteSpace(t)), nameof(ExceptionTypes), "must list type names, not empty entries", string.Join(",", ExceptionTypes));
    }
}
