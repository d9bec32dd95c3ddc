namespace Mpms.Hosting;

/// <summary>
/// How one job is put on the queue: its priority, when it may run, and how it is retried. The put overloads without
/// options mean the defaults: priority 0, run now, the pool's retry policy.
/// </summary>
/// <example>
/// <code>
/// await queue.PutAsync(job, new MpmsPutOptions { Priority = 5, Delay = TimeSpan.FromMinutes(10) }, ct);
/// </code>
/// </example>
public sealed class MpmsPutOptions
{
    /// <summary>The lowest priority, and the default.</summary>
    public const int MinPriority = 0;

    /// <summary>The highest priority (as RabbitMQ's <c>x-max-priority</c> of 9 allows).</summary>
    public const int MaxPriority = 9;

    /// <summary>Gets the job's priority: among the jobs waiting, higher runs first; FIFO within a priority.</summary>
    /// <value>The default is 0. Must be between <see cref="MinPriority"/> and <see cref="MaxPriority"/>.</value>
    /// <remarks>A waiting job gains one priority for every <see cref="MpmsOptions.PriorityAgingInterval"/> it has waited,
    /// so no job waits for ever behind a stream of higher ones. Jobs a worker process already holds ahead
    /// (<see cref="MpmsOptions.Prefetch"/>) are not reordered.</remarks>
    public int Priority { get; init; }

    /// <summary>Gets how long after the put the job may run (Celery's <c>countdown</c>).</summary>
    /// <value>The default, <see langword="null"/>, means at once. Must not be negative. Not with <see cref="NotBefore"/>.</value>
    public TimeSpan? Delay { get; init; }

    /// <summary>Gets the time before which the job does not run (Celery's <c>eta</c>, Hangfire's <c>Schedule</c>); a time
    /// already past means at once.</summary>
    /// <value>The default, <see langword="null"/>, means at once. Not with <see cref="Delay"/>.</value>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Gets the retry policy of this job, in place of the pool's (<see cref="MpmsOptions.Retry"/>).</summary>
    /// <value>The default, <see langword="null"/>, uses the pool's.</value>
    /// <remarks>It is read when the job fails, so do not change it after the put.</remarks>
    public MpmsRetryOptions? Retry { get; init; }

    /// <summary>Throws when the options cannot be used.</summary>
    internal void Validate()
    {
        if (Priority is < MinPriority or > MaxPriority)
        {
            throw new ArgumentOutOfRangeException(nameof(Priority), Priority, $"MpmsPutOptions.Priority must be between {MinPriority} and {MaxPriority}.");
        }

        if (Delay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Delay), Delay, "MpmsPutOptions.Delay must not be negative.");
        }

        if (Delay is not null && NotBefore is not null)
        {
            throw new ArgumentException("MpmsPutOptions sets both Delay and NotBefore: set one of them.", nameof(NotBefore));
        }

        if (Retry is { } retry)
        {
            var errors = new List<string>();
            retry.Validate("MpmsPutOptions.Retry.", errors);
            if (errors.Count > 0)
            {
                throw new ArgumentException(string.Join(" ", errors), nameof(Retry));
            }
        }
    }

    /// <summary>Gets when the job may run, or <see langword="null"/> when that is now.</summary>
    internal DateTimeOffset? RunAt(DateTimeOffset now)
    {
        DateTimeOffset? at = Delay is { } delay
            ? (delay > DateTimeOffset.MaxValue - now ? throw new ArgumentException($"MpmsPutOptions.Delay ({delay}) reaches past the largest time.") : now + delay)
            : NotBefore;
        return at > now ? at : null;
    }
}
