namespace Mpms.Hosting.RabbitMQ.TestHost;

/// <summary>A job of the broker tests: job <paramref name="N"/> of a run, which sleeps <paramref name="SleepMs"/> milliseconds.</summary>
/// <param name="N">The job's number in the run.</param>
/// <param name="SleepMs">How long it runs.</param>
/// <param name="Weight">A number in the job; NaN cannot be serialised (System.Text.Json refuses it).</param>
/// <param name="FailAttempts">How many of its first attempts throw (attempts 1 to this one).</param>
/// <param name="Throws">What those attempts throw: <c>Argument</c> for an <see cref="ArgumentException"/>, otherwise an <see cref="InvalidOperationException"/>.</param>
/// <param name="RunsFile">A file each run appends "N attempt" to, so that a test can count runs.</param>
/// <param name="ProgressGate">A directory: the job reports progress 1, 2 and 3, and after each waits for the file <c>ack{value}</c> there.</param>
public sealed record HostJob(int N, int SleepMs, double Weight = 0, int FailAttempts = 0, string? Throws = null, string? RunsFile = null, string? ProgressGate = null) : IMpmsJob<HostResult>;

/// <summary>Where and as which attempt a job ran.</summary>
/// <param name="N">The job's number.</param>
/// <param name="Host">The host id of the host whose process ran it (TESTHOST_NAME).</param>
/// <param name="Attempt">The attempt that ran.</param>
public sealed record HostResult(int N, string Host, int Attempt);
