namespace Mpms.Hosting.RabbitMQ.TestHost;

/// <summary>
/// Runs a <see cref="HostJob"/>: appends its number to the file named by TESTHOST_STARTED (when set), so that a test
/// can tell that this host has started jobs, then does what the job asks: records its run, reports gated progress,
/// sleeps, and throws on its first attempts.
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

        if (job.RunsFile is { } runs)
        {
            lock (FileLock)
            {
                File.AppendAllText(runs, $"{job.N} {context.Attempt}\n");
            }
        }

        if (job.ProgressGate is { } gate)
        {
            for (int value = 1; value <= 3; value++)
            {
                context.ReportProgress(value);
                await WaitForFileAsync(Path.Combine(gate, $"ack{value}"), cancellationToken);
            }
        }

        if (job.SleepMs > 0)
        {
            await Task.Delay(job.SleepMs, cancellationToken);
        }

        if (context.Attempt <= job.FailAttempts)
        {
            throw job.Throws == "Argument"
                ? new ArgumentException($"Job {job.N} refuses attempt {context.Attempt}.")
                : new InvalidOperationException($"Job {job.N} fails attempt {context.Attempt}.");
        }

        return new HostResult(job.N, Environment.GetEnvironmentVariable("TESTHOST_NAME") ?? "?", context.Attempt);
    }

    // The test writes the file once it has seen the value: the job cannot go on before, so no value replaces another.
    // Woken by the file's creation, not by polling; one job waits at a time, so one watcher (one inotify instance) at most.
    private static async Task WaitForFileAsync(string path, CancellationToken cancellationToken)
    {
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path));
        watcher.Created += (_, _) => created.TrySetResult();
        watcher.EnableRaisingEvents = true;

        // A file written before the watch began raises no event: look once the watch is on.
        if (!File.Exists(path))
        {
            await created.Task.WaitAsync(cancellationToken);
        }
    }
}
