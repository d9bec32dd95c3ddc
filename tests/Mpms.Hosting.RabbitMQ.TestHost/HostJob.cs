namespace Mpms.Hosting.RabbitMQ.TestHost;

/// <summary>A job of the broker tests: job <paramref name="N"/> of a run, which sleeps <paramref name="SleepMs"/> milliseconds.</summary>
/// <param name="N">The job's number in the run.</param>
/// <param name="SleepMs">How long it runs.</param>
/// <param name="Weight">A number in the job; NaN cannot be serialised (System.Text.Json refuses it).</param>
public sealed record HostJob(int N, int SleepMs, double Weight = 0) : IMpmsJob<HostResult>;

/// <summary>Where and as which attempt a job ran.</summary>
/// <param name="N">The job's number.</param>
/// <param name="Host">The host id of the host whose process ran it (TESTHOST_NAME).</param>
/// <param name="Attempt">The attempt that ran.</param>
public sealed record HostResult(int N, string Host, int Attempt);
