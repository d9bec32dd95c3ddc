using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mpms.Hosting.Benchmarks;

/// <summary>
/// A worker's memory, once started and idle and again after a burst of jobs, the worker's CPU time per job, and the
/// application's allocation per job.
/// </summary>
public static class MemoryScenario
{
    public static async Task RunAsync(BenchmarkSettings settings, Report report)
    {
        int jobs = settings.Size(200_000, 100);
        using IHost host = await BenchmarkPools.StartAsync<TrivialWorker>(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
            o.QueueCapacity = 10_000;
        });
        var queue = host.Services.GetRequiredService<IMpmsQueue<int, int>>();
        int worker = BenchmarkPools.View<TrivialWorker>(host).ProcessIds[0];
        await Task.Delay(settings.Smoke ? 10 : 1000); // let the new worker settle before reading its resident set
        double startedRss = ProcessReadings.StatusMegabytes(worker, "VmRSS:");
        double startedOwn = ProcessReadings.OwnMegabytes(worker);
        await Scenarios.WarmUpAsync(queue, settings);

        // Allocation in the application process per job: handle, outcome and everything the link does for it.
        long before = GC.GetTotalAllocatedBytes(precise: true);
        double workerCpuBefore = ProcessReadings.CpuMilliseconds(worker);
        var pending = new Task<int>[1000];
        for (int i = 0; i < jobs; i += pending.Length)
        {
            for (int j = 0; j < pending.Length; j++)
            {
                pending[j] = (await queue.PutAsync(j)).Completion;
            }

            await Task.WhenAll(pending);
        }

        double perJob = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)jobs;
        double workerCpuPerJob = (ProcessReadings.CpuMilliseconds(worker) - workerCpuBefore) * 1000 / jobs;
        GC.Collect();
        // An idle worker trims its heap after two heartbeats without a job (1 s each by default): read it once idle.
        await Task.Delay(settings.Smoke ? 10 : 4000);
        double rss = ProcessReadings.StatusMegabytes(worker, "VmRSS:");
        double own = ProcessReadings.OwnMegabytes(worker);
        await host.StopAsync();
        report.Add("worker process just started, idle, resident set (RSS)", startedRss, "MiB", "—");
        report.Add("worker process just started, idle, its own pages (RSS less shared files)", startedOwn, "MiB", "≤ 25");
        report.Add("idle worker process after the jobs, resident set (RSS)", rss, "MiB", "≤ 40");
        report.Add("idle worker process after the jobs, its own pages (RSS less shared files)", own, "MiB", "≤ 25");
        report.Add("application-side allocation per job, PutAsync + awaited handle", perJob, "bytes", "≤ 256");
        report.Add("worker process CPU time per job (user + system, same jobs)", workerCpuPerJob, "µs", "—");
    }
}
