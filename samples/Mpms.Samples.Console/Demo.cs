using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting;

namespace Mpms.Samples.Console;

/// <summary>A job of the collector demo: square <see cref="N"/>, slowly enough that threads take turns.</summary>
public sealed record SquareJob(int N) : IMpmsJob<long>;

/// <summary>A job of the result-stream demo.</summary>
public sealed record EchoJob(string Text) : IMpmsJob<string>;

public sealed class SquareWorker : IMpmsWorker<SquareJob, long>
{
    public async ValueTask<long> ExecuteAsync(SquareJob job, MpmsJobContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(20, cancellationToken);
        return (long)job.N * job.N;
    }
}

public sealed class EchoWorker : IMpmsWorker<EchoJob, string>
{
    public ValueTask<string> ExecuteAsync(EchoJob job, MpmsJobContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult($"{job.Text} (echoed by {context.Thread.ThreadName})");
}

/// <summary>The original's <c>collector(meta, result)</c>: called in the application, one outcome at a time.</summary>
public sealed class PrintingCollector : IMpmsCollector<SquareJob, long>
{
    public ValueTask CollectAsync(MpmsResult<SquareJob, long> result, CancellationToken cancellationToken)
    {
        System.Console.WriteLine(result.Succeeded
            ? $"[collector] {result.JobId} {result.Job.N}² = {result.Value} on {result.ThreadName} (meta: {string.Join(", ", result.Meta)})"
            : $"[collector] {result.JobId} {result.Status}: {result.Exception?.Message}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// <c>--demo</c>: what the original's README shows — a collector, iterating results, and lifecycles that rotate
/// threads and processes — with two more pools next to the seed's.
/// </summary>
public static class Demo
{
    public static void AddDemoPools(IServiceCollection services)
    {
        services.AddMpms<SquareWorker>(o =>
        {
            o.Processes = 2;
            o.ThreadsPerProcess = 3;
            o.MaxJobsPerThread = 5;
            o.Meta["demo"] = "collector";
        }).UseJsonSerializer(SampleJson.Default.Options);
        services.AddSingleton<IMpmsCollector<SquareJob, long>, PrintingCollector>();

        services.AddMpms<EchoWorker>(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
            o.EnableResultStream = true;
        }).UseJsonSerializer(SampleJson.Default.Options);
    }

    public static async Task RunAsync(IHost host)
    {
        var squares = host.Services.GetRequiredService<IMpmsQueue<SquareJob, long>>();
        System.Console.WriteLine("== Collector: 40 jobs on 2 processes × 3 threads, MaxJobsPerThread 5");
        for (int n = 1; n <= 40; n++)
        {
            await squares.PutAsync(new SquareJob(n));
        }

        var squarePool = host.Services.GetRequiredService<IMpmsPool<SquareJob, long>>();
        squarePool.Complete();                       // the original's close()
        await squarePool.WaitForCompletionAsync();   // the original's join(): every outcome collected
        MpmsPoolStats stats = squarePool.GetStats();
        System.Console.WriteLine($"== {stats.Succeeded} of {stats.Accepted} succeeded; {stats.Restarts} processes were started to replace ones whose threads all reached their lifecycle");

        var echoes = host.Services.GetRequiredService<IMpmsQueue<EchoJob, string>>();
        System.Console.WriteLine("== ReadResultsAsync: 5 jobs, then the queue is completed");
        foreach (string word in new[] { "multi", "process", "multi", "thread", "queue" })
        {
            await echoes.PutAsync(new EchoJob(word));
        }

        var echoPool = host.Services.GetRequiredService<IMpmsPool<EchoJob, string>>();
        echoPool.Complete();
        await foreach (MpmsResult<EchoJob, string> result in echoPool.ReadResultsAsync())   // the original's iter_results()
        {
            System.Console.WriteLine($"[results] {result.JobId} {result.Value}");
        }
    }
}
