using Mpms.Hosting;

namespace Mpms.Hosting.TestWebApp;

/// <summary>Asks a worker where it runs. It names its result type, so the non-generic queue can route it.</summary>
public sealed record WhoAmIJob(string Tag) : IMpmsJob<WhoAmIResult>;

/// <summary>Where a job ran.</summary>
public sealed record WhoAmIResult(string Tag, int ProcessId, string? ThreadName);

/// <summary>The web app's worker: reports the process and thread it runs on.</summary>
public sealed class WhoAmIWorker : IMpmsWorker<WhoAmIJob, WhoAmIResult>
{
    public ValueTask<WhoAmIResult> ExecuteAsync(WhoAmIJob job, MpmsJobContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new WhoAmIResult(job.Tag, Environment.ProcessId, Thread.CurrentThread.Name));
}

/// <summary>What the job endpoints answer: the process that served the request and the one that ran the job.</summary>
public sealed record JobAnswer(int AppProcessId, int WorkerProcessId, string? WorkerThreadName, string Queue);
