using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mpms.Hosting.Benchmarks;

/// <summary>
/// How long jobs stop when a process is killed: from the kill to the next job done, with a warm spare
/// (<see cref="MpmsOptions.WarmSpares"/>) and without one, where a new process must start and initialise first.
/// </summary>
public static class WarmSpareScenario
{
    public static async Task RunAsync(BenchmarkSettings settings, Report report)
    {
        report.Add("killed process: next job done, with a warm spare", await MedianGapAsync(settings, spares: 1), "ms", "≤ 50");
        report.Add("killed process: next job done, no spare", await MedianGapAsync(settings, spares: 0), "ms", "in view");
    }

    private static async Task<double> MedianGapAsync(BenchmarkSettings settings, int spares)
    {
        var gaps = new List<double>();
        for (int round = 0; round < settings.Repeats; round++)
        {
            using IHost host = await BenchmarkPools.StartAsync<TrivialWorker>(o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 1;
                o.WarmSpares = spares;
            });
            var queue = host.Services.GetRequiredService<IMpmsQueue<int, int>>();

            // Before the clock starts: a spare's Ready frame is a change the supervisor announces.
            await BenchmarkPools.WaitUntilAsync<TrivialWorker>(host, s => s.WarmSparesReady >= spares, "its warm spares to be ready");

            await queue.RunAsync(1);
            int serving = BenchmarkPools.View<TrivialWorker>(host).ProcessIds[0];
            var clock = Stopwatch.StartNew();
            Process.GetProcessById(serving).Kill();
            while (true)
            {
                try
                {
                    await queue.RunAsync(1);
                    break;
                }
                catch (MpmsWorkerLostException)
                {
                    // Sent to the killed process before the pool saw it die: the next one goes elsewhere.
                }
            }

            gaps.Add(clock.Elapsed.TotalMilliseconds);
            await host.StopAsync();
        }

        return Stats.Median(gaps);
    }
}
