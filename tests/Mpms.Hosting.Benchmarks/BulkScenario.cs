using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mpms.Hosting.Benchmarks;

/// <summary>
/// The bulk path: trivial <c>x * 2</c> jobs put in one <c>RunManyAsync</c> call and their outcomes read as a stream, at
/// the default options on 2 × 2, with what the application allocates per job on the way.
/// </summary>
public static class BulkScenario
{
    public static async Task RunAsync(BenchmarkSettings settings, Report report)
    {
        int jobs = settings.Size(1_000_000, 200);
        using IHost host = await BenchmarkPools.StartAsync<TrivialWorker>(o =>
        {
            o.Processes = 2;
            o.ThreadsPerProcess = 2;
        });
        var queue = host.Services.GetRequiredService<IMpmsQueue<int, int>>();
        await RunOnceAsync(queue, settings.Size(20_000, 10)); // warm-up: JIT, the links' buffers

        var rates = new List<double>();
        var bytes = new List<double>();
        for (int round = 0; round < settings.Repeats; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            await RunOnceAsync(queue, jobs);
            rates.Add(jobs / clock.Elapsed.TotalSeconds);
            bytes.Add((GC.GetTotalAllocatedBytes(precise: true) - before) / (double)jobs);
        }

        await host.StopAsync();
        report.Add("throughput, trivial, RunManyAsync (bulk), 2×2, default options", Stats.Median(rates), "jobs/s", "≥ 1,000,000");
        report.Add("application-side allocation per job, RunManyAsync (bulk)", Stats.Median(bytes), "bytes", "≤ 256");
    }

    private static async Task RunOnceAsync(IMpmsQueue<int, int> queue, int jobs)
    {
        long outcomes = 0;
        await foreach (MpmsResult<int, int> outcome in queue.RunManyAsync(Enumerable.Range(0, jobs)))
        {
            if (!outcome.Succeeded || outcome.Value != outcome.Job * 2)
            {
                throw new InvalidOperationException($"Job {outcome.Job} ended {outcome.Status} with {outcome.Value}: {outcome.Exception}");
            }

            outcomes++;
        }

        if (outcomes != jobs)
        {
            throw new InvalidOperationException($"{jobs} jobs gave {outcomes} outcomes.");
        }
    }
}
