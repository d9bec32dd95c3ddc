using Mpms.Hosting;

namespace Mpms.Hosting.TestTelemetryApp;

/// <summary>A job that says which number it carries; it names its result type.</summary>
public sealed record EchoJob(int Value) : IMpmsJob<EchoResult>;

/// <summary>The job's number back, with the worker process and thread that ran it.</summary>
public sealed record EchoResult(int Value, int ProcessId, string? ThreadName);

/// <summary>The app's worker: answers where it ran.</summary>
public sealed class EchoWorker : IMpmsWorker<EchoJob, EchoResult>
{
    public ValueTask<EchoResult> ExecuteAsync(EchoJob job, MpmsJobContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new EchoResult(job.Value, Environment.ProcessId, Thread.CurrentThread.Name));
}
