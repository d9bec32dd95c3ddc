using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

namespace Mpms.Hosting.Benchmarks;

/// <summary>
/// Trivial jobs through a RabbitMQ broker (<c>UseRabbitMq</c>): throughput with one and with two hosts, and the round
/// trip, each next to the in-memory queue measured the same way in the same run. Asked for with <c>--broker</c>: it
/// starts a broker node of its own (Debian's rabbitmq-server, as the RabbitMQ tests do) and stops it at the end.
/// </summary>
/// <remarks>
/// Both hosts run in this process, each with its own connection, consumer and worker processes: on one machine that
/// is what a second host adds. Host A puts every job and collects every outcome; host B only drains.
/// </remarks>
public static class BrokerScenarios
{
    private const int Producers = 64;

    public static async Task RunAsync(BenchmarkSettings settings, Report report)
    {
        await using RabbitMqBroker broker = await RabbitMqBroker.StartAsync();
        report.Add("broker: node started (rabbitmq-server, from launch to first connection)", broker.LastStartDuration.TotalSeconds, "s", "—");

        double memory = await ThroughputAsync(settings, broker: null, hosts: 1);
        double one = await ThroughputAsync(settings, broker, hosts: 1);
        double two = await ThroughputAsync(settings, broker, hosts: 2);
        report.Add($"in-memory queue: throughput, trivial, {Producers} concurrent PutAsync + collector, 2×2", memory, "jobs/s", "—");
        report.Add($"broker: throughput, trivial, {Producers} concurrent PutAsync + collector, 1 host 2×2", one, "jobs/s", "—");
        report.Add($"broker: throughput, the same, 2 hosts 2×2 (one puts, both drain)", two, "jobs/s", "—");
        report.Add("broker: speed-up 1 → 2 hosts", two / one, "×", "in view");
        report.Add("ratio in-memory / broker throughput, 1 host", memory / one, "×", "in view");

        double[] memoryTrip = await RoundTripAsync(settings, broker: null);
        double[] brokerTrip = await RoundTripAsync(settings, broker);
        report.Add("in-memory queue: round trip, RunAsync, 1×1, p50", Stats.Percentile(memoryTrip, 0.50), "µs", "—");
        report.Add("broker: round trip, RunAsync, 1×1, p50", Stats.Percentile(brokerTrip, 0.50), "µs", "—");
        report.Add("broker: round trip, RunAsync, 1×1, p99", Stats.Percentile(brokerTrip, 0.99), "µs", "—");
    }

    private static async Task<double> ThroughputAsync(BenchmarkSettings settings, RabbitMqBroker? broker, int hosts)
    {
        int jobs = settings.Size(20_000, 64);
        string prefix = Prefix();
        var collector = new CountingCollector();
        var started = new List<IHost>();
        try
        {
            for (int i = 0; i < hosts; i++)
            {
                started.Add(await StartHostAsync(broker, prefix, processes: 2, threads: 2, i == 0 ? collector : null));
            }

            var queue = started[0].Services.GetRequiredService<IMpmsQueue<int, int>>();
            await Task.WhenAll(Enumerable.Range(0, settings.Size(2_000, 8)).Select(i => queue.RunAsync(i)));
            var rates = new List<double>();
            for (int round = 0; round < settings.Repeats; round++)
            {
                long before = collector.Count;
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, Producers).Select(async producer =>
                {
                    for (int i = producer; i < jobs; i += Producers)
                    {
                        await queue.PutAsync(i);
                    }
                }));

                while (collector.Count < before + jobs)
                {
                    await Task.Delay(1);
                }

                rates.Add(jobs / clock.Elapsed.TotalSeconds);
            }

            return Stats.Median(rates);
        }
        finally
        {
            await StopAsync(started);
        }
    }

    private static async Task<double[]> RoundTripAsync(BenchmarkSettings settings, RabbitMqBroker? broker)
    {
        int count = settings.Size(3_000, 20);
        IHost host = await StartHostAsync(broker, Prefix(), processes: 1, threads: 1, collector: null);
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<int, int>>();
            for (int i = 0; i < settings.Size(300, 5); i++)
            {
                await queue.RunAsync(i);
            }

            var samples = new double[count];
            for (int i = 0; i < count; i++)
            {
                long start = Stopwatch.GetTimestamp();
                await queue.RunAsync(i);
                samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }

            return samples;
        }
        finally
        {
            await StopAsync([host]);
        }
    }

    private static Task<IHost> StartHostAsync(RabbitMqBroker? broker, string prefix, int processes, int threads, CountingCollector? collector) =>
        BenchmarkPools.StartAsync<TrivialWorker>(
            o =>
            {
                o.Processes = processes;
                o.ThreadsPerProcess = threads;
                o.QueueCapacity = 10_000;
            },
            services =>
            {
                if (collector is not null)
                {
                    services.AddSingleton<IMpmsCollector<int, int>>(collector);
                }
            },
            pool =>
            {
                if (broker is not null)
                {
                    pool.UseRabbitMq(o =>
                    {
                        o.Uri = broker.AmqpUri.ToString();
                        o.Prefix = prefix;
                    });
                }
            });

    // Every measurement declares queues of its own, so that no job of an earlier one is still there.
    private static string Prefix() => "bench-" + Guid.NewGuid().ToString("N")[..8];

    private static async Task StopAsync(IEnumerable<IHost> hosts)
    {
        foreach (IHost host in hosts.Reverse())
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
