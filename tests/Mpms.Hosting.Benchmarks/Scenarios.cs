using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting;

namespace Mpms.Hosting.Benchmarks;

/// <summary>Every scenario of the report; each measures <see cref="BenchmarkSettings.Repeats"/> times and reports the median.</summary>
public static class Scenarios
{
    public static async Task RunAsync(BenchmarkSettings settings, Report report)
    {
        double poolThroughput = double.NaN;
        if (settings.Includes("throughput"))
        {
            await TrivialThroughputAsync(settings, report, prefetch: null, queueCapacity: null);

            // The defaults but for the queue's capacity (the original's p × t × 3 + 30): what admission costs.
            await TrivialThroughputAsync(settings, report, prefetch: null, queueCapacity: 10_000);
            poolThroughput = await TrivialThroughputAsync(settings, report, prefetch: 0, queueCapacity: 10_000);
            await TrivialThroughputAsync(settings, report, prefetch: 256, queueCapacity: 10_000);
            await ConcurrentRunThroughputAsync(settings, report);
        }

        if (settings.Includes("throughput, bulk"))
        {
            await BulkScenario.RunAsync(settings, report);
        }

        if (settings.Includes("in-process"))
        {
            double inProcess = InProcessBaseline(settings, report);
            if (!double.IsNaN(poolThroughput))
            {
                report.Add("ratio in-process / pool (prefetch 0): cost of isolation", inProcess / poolThroughput, "×", "in view");
            }
        }

        if (settings.Includes("round trip"))
        {
            await RoundTripAsync(settings, report);
        }

        if (settings.Includes("i/o"))
        {
            await IoBoundAsync(settings, report, processes: 2, threads: 20, prefetch: 0);
            await IoBoundAsync(settings, report, processes: 4, threads: 50, prefetch: 0);
            await IoBoundAsync(settings, report, processes: 2, threads: 20, prefetch: null, target: "≥ 0.95");
            await IoBoundAsync(settings, report, processes: 4, threads: 50, prefetch: null, target: "≥ 0.90");
        }

        if (settings.Includes("cpu"))
        {
            await CpuSpeedUpAsync(settings, report);
        }

        if (settings.Includes("start"))
        {
            await StartAndRestartAsync(settings, report);
            await WarmSpareScenario.RunAsync(settings, report);
        }

        if (settings.Includes("memory"))
        {
            await MemoryScenario.RunAsync(settings, report);
        }
    }

    /// <summary>
    /// The original's benchmark: trivial jobs put as fast as possible, results to a collector. A null prefetch or
    /// capacity is the option's default: with both, it is the loop a user writes with nothing tuned.
    /// </summary>
    private static async Task<double> TrivialThroughputAsync(BenchmarkSettings settings, Report report, int? prefetch, int? queueCapacity)
    {
        var collector = new CountingCollector();
        int jobs = settings.Size(300_000, 200);
        using IHost host = await BenchmarkPools.StartAsync<TrivialWorker>(
            o =>
            {
                o.Processes = 2;
                o.ThreadsPerProcess = 2;
                o.Prefetch = prefetch ?? o.Prefetch;
                o.QueueCapacity = queueCapacity;
            },
            services => services.AddSingleton<IMpmsCollector<int, int>>(collector));
        var queue = host.Services.GetRequiredService<IMpmsQueue<int, int>>();
        await WarmUpAsync(queue, settings);
        var rates = new List<double>();
        var bytes = new List<double>();
        for (int round = 0; round < settings.Repeats; round++)
        {
            long before = collector.Count;
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < jobs; i++)
            {
                await queue.PutAsync(i);
            }

            while (collector.Count < before + jobs)
            {
                await Task.Delay(1);
            }

            rates.Add(jobs / clock.Elapsed.TotalSeconds);
            bytes.Add((GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)jobs);
        }

        await host.StopAsync();
        double median = Stats.Median(rates);
        string shape = (prefetch, queueCapacity) switch
        {
            (null, null) => "default options",
            (int fixedPrefetch, _) => $"prefetch {fixedPrefetch}",
            (null, int capacity) => $"default prefetch, capacity {capacity:N0}",
        };
        report.Add($"throughput, trivial, PutAsync + collector, 2×2, {shape}", median, "jobs/s", prefetch is null ? "≥ 250,000" : "—");
        if (prefetch is null && queueCapacity is null)
        {
            report.Add("application-side allocation per job, PutAsync + collector, default options", Stats.Median(bytes), "bytes", "≤ 256");
        }
        return median;
    }

    private static async Task ConcurrentRunThroughputAsync(BenchmarkSettings settings, Report report)
    {
        const int Callers = 256;
        int perCaller = settings.Size(1_000, 2);
        using IHost host = await BenchmarkPools.StartAsync<TrivialWorker>(o =>
        {
            o.Processes = 2;
            o.ThreadsPerProcess = 2;
            o.QueueCapacity = 10_000;
        });
        var queue = host.Services.GetRequiredService<IMpmsQueue<int, int>>();
        await WarmUpAsync(queue, settings);
        var rates = new List<double>();
        for (int round = 0; round < settings.Repeats; round++)
        {
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Callers).Select(async caller =>
            {
                for (int i = 0; i < perCaller; i++)
                {
                    await queue.RunAsync(i);
                }
            }));
            rates.Add(Callers * perCaller / clock.Elapsed.TotalSeconds);
        }

        await host.StopAsync();
        report.Add($"throughput, trivial, {Callers} concurrent RunAsync, 2×2", Stats.Median(rates), "jobs/s", "≥ 150,000");
    }

    /// <summary>The same trivial jobs through a channel to as many consumer tasks as the pool has threads, in one process.</summary>
    private static double InProcessBaseline(BenchmarkSettings settings, Report report)
    {
        int jobs = settings.Size(2_000_000, 200);
        var rates = new List<double>();
        for (int round = 0; round < settings.Repeats; round++)
        {
            var input = Channel.CreateBounded<int>(10_000);
            var output = Channel.CreateUnbounded<int>();
            var clock = Stopwatch.StartNew();
            Task[] consumers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                await foreach (int job in input.Reader.ReadAllAsync())
                {
                    output.Writer.TryWrite(job * 2);
                }
            })).ToArray();
            Task collector = Task.Run(async () =>
            {
                int seen = 0;
                await foreach (int _ in output.Reader.ReadAllAsync())
                {
                    if (++seen == jobs)
                    {
                        return;
                    }
                }
            });
            Task.Run(async () =>
            {
                for (int i = 0; i < jobs; i++)
                {
                    await input.Writer.WriteAsync(i);
                }

                input.Writer.Complete();
            }).GetAwaiter().GetResult();
            Task.WaitAll(consumers);
            collector.GetAwaiter().GetResult();
            rates.Add(jobs / clock.Elapsed.TotalSeconds);
        }

        double median = Stats.Median(rates);
        report.Add("in-process baseline, Channel<int> → 4 consumer tasks", median, "jobs/s", "—");
        return median;
    }

    private static async Task RoundTripAsync(BenchmarkSettings settings, Report report)
    {
        int count = settings.Size(20_000, 50);
        double[] bare = await BareSocket.MeasureAsync(count);
        using IHost host = await BenchmarkPools.StartAsync<TrivialWorker>(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
        });
        var queue = host.Services.GetRequiredService<IMpmsQueue<int, int>>();
        await WarmUpAsync(queue, settings);
        var samples = new double[count];
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await queue.RunAsync(i);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        await host.StopAsync();
        double p50 = Stats.Percentile(samples, 0.50);
        report.Add("round trip, RunAsync, p50", p50, "µs", "≤ 1.3 × bare");
        report.Add("round trip, RunAsync, p99", Stats.Percentile(samples, 0.99), "µs", "≤ 2 × bare p99");
        report.Add("round trip, RunAsync, p99.9", Stats.Percentile(samples, 0.999), "µs", "—");
        double bareP50 = Stats.Percentile(bare, 0.50);
        report.Add("bare socket round trip (16 B, two processes), p50", bareP50, "µs", "the limit");
        report.Add("bare socket round trip (16 B, two processes), p99", Stats.Percentile(bare, 0.99), "µs", "the limit");
        report.Add("ratio pool round trip / bare socket, p50", p50 / bareP50, "×", "≤ 1.3");
    }

    /// <summary>
    /// Jobs that wait 10 ms: efficiency is the ideal time (jobs × 10 ms / threads) over the measured time. A null prefetch
    /// is the option's default.
    /// </summary>
    private static async Task IoBoundAsync(BenchmarkSettings settings, Report report, int processes, int threads, int? prefetch, string target = "—")
    {
        int slots = processes * threads;
        int jobs = settings.Smoke ? slots : slots * 25;
        using IHost host = await BenchmarkPools.StartAsync<SleepWorker>(o =>
        {
            o.Processes = processes;
            o.ThreadsPerProcess = threads;
            o.QueueCapacity = jobs;
            o.Prefetch = prefetch ?? o.Prefetch;
        });
        var queue = host.Services.GetRequiredService<IMpmsQueue<SleepJob, int>>();
        await Task.WhenAll(Enumerable.Range(0, slots).Select(_ => queue.RunAsync(new SleepJob(1))));
        var efficiencies = new List<double>();
        for (int round = 0; round < settings.Repeats; round++)
        {
            var clock = Stopwatch.StartNew();
            var handles = new List<Task<int>>(jobs);
            for (int i = 0; i < jobs; i++)
            {
                handles.Add((await queue.PutAsync(new SleepJob(10))).Completion);
            }

            await Task.WhenAll(handles);
            double ideal = jobs * 10.0 / slots;
            efficiencies.Add(ideal / clock.Elapsed.TotalMilliseconds);
        }

        await host.StopAsync();
        string shape = prefetch is int fixedPrefetch ? $"prefetch {fixedPrefetch}" : "default prefetch";
        report.Add($"I/O-bound efficiency, 10 ms jobs, {processes}×{threads}, {shape}", Stats.Median(efficiencies), "ratio", target);
    }

    private static async Task CpuSpeedUpAsync(BenchmarkSettings settings, Report report)
    {
        int jobs = settings.Size(200, 4);
        int rounds = settings.Smoke ? 10 : 20_000;
        async Task<double> SecondsWith(int processes)
        {
            using IHost host = await BenchmarkPools.StartAsync<CpuWorker>(o =>
            {
                o.Processes = processes;
                o.ThreadsPerProcess = 1;
            });
            var queue = host.Services.GetRequiredService<IMpmsQueue<CpuJob, int>>();
            await Task.WhenAll(Enumerable.Range(0, processes * 2).Select(_ => queue.RunAsync(new CpuJob(rounds))));
            var times = new List<double>();
            for (int round = 0; round < settings.Repeats; round++)
            {
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, jobs).Select(_ => queue.RunAsync(new CpuJob(rounds))));
                times.Add(clock.Elapsed.TotalSeconds);
            }

            await host.StopAsync();
            return Stats.Median(times);
        }

        double one = await SecondsWith(1);
        double two = await SecondsWith(2);
        report.Add("CPU-bound speed-up, 1 → 2 processes (1 thread each)", one / two, "×", "≥ 1.8");
    }

    private static async Task StartAndRestartAsync(BenchmarkSettings settings, Report report)
    {
        var starts = new List<double>();
        var restarts = new List<double>();
        var startCpu = new List<double>();
        for (int round = 0; round < settings.Repeats; round++)
        {
            var clock = Stopwatch.StartNew();
            using IHost host = await BenchmarkPools.StartAsync<TrivialWorker>(o =>
            {
                o.Processes = 2;
                o.ThreadsPerProcess = 2;
            });
            starts.Add(clock.Elapsed.TotalMilliseconds);

            BenchmarkPools.IPoolView pool = BenchmarkPools.View<TrivialWorker>(host);

            // What a start costs in CPU rather than in time: less at the mercy of what else the machine runs.
            startCpu.AddRange(pool.ProcessIds.Select(ProcessReadings.CpuMilliseconds));
            int victim = pool.ProcessIds[0];
            clock.Restart();
            Process.GetProcessById(victim).Kill();
            while (pool.Ready == pool.Configured)
            {
                await Task.Delay(1);
            }

            await BenchmarkPools.WaitReadyAsync<TrivialWorker>(host);
            restarts.Add(clock.Elapsed.TotalMilliseconds);
            await host.StopAsync();
        }

        report.Add("pool of 2 processes ready, from host start", Stats.Median(starts), "ms", "≤ 300");
        report.Add("killed process replaced and ready", Stats.Median(restarts), "ms", "≤ 200");
        report.Add("worker process CPU time from its start to ready (user + system)", Stats.Median(startCpu), "ms", "—");
    }

    /// <summary>Runs a few thousand jobs through the pool first, so that what is measured runs compiled and warm.</summary>
    internal static async Task WarmUpAsync(IMpmsQueue<int, int> queue, BenchmarkSettings settings)
    {
        int count = settings.Size(20_000, 10);
        var handles = new Task<int>[count];
        for (int i = 0; i < count; i++)
        {
            handles[i] = (await queue.PutAsync(i)).Completion;
        }

        await Task.WhenAll(handles);
    }
}
