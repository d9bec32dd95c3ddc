namespace Mpms.Hosting.RabbitMQ.TestHost;

/// <summary>
/// Runs a <see cref="HostJob"/>: appends its number to the file named by TESTHOST_STARTED (when set), so that a test
/// can tell that this host has started jobs, then sleeps as long as the job says.
/// </summary>
public sealed class HostWorker : IMpmsWorker<HostJob, HostResult>
{
    private static readonly Lock FileLock = new();

    public async ValueTask<HostResult> ExecuteAsync(HostJob job, MpmsJobContext context, CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("TESTHOST_STARTED") is { Length: > 0 } startedFile)
        {
            lock (FileLock)
            {
                File.AppendAllText(startedFile, $"{job.N}\n");
            }
        }

        if (job.SleepMs > 0)
        {
            await Task.Delay(job.SleepMs, cancellationToken);
        }

        return new HostResult(job.N, Environment.GetEnvironmentVariable("TESTHOST_NAME") ?? "?", context.Attempt);
    }
}
