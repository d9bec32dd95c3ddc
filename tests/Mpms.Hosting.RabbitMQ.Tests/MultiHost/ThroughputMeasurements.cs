using System.Globalization;
using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mpms.Hosting.RabbitMQ.Tests.MultiHost;

/// <summary>Runs only when MPMS_MEASURE=1: these are measurements for docs/benchmarks.md, never assertions.</summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("MPMS_MEASURE") != "1")
        {
            Skip = "A measurement for docs/benchmarks.md: set MPMS_MEASURE=1 (and MPMS_TESTHOST_PROGRAM to a Release build) to run it.";
        }
    }
}

/// <summary>
/// The figures of docs/benchmarks.md ("Through RabbitMQ"): the test host's put loop (C putters, each awaiting its job's
/// outcome before its next put) on the in-memory queue and through the broker with 1 and 2 hosts, and a single putter
/// for the round trip. Hosts of 2 processes × 2 threads; each figure three times.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class ThroughputMeasurements(RabbitMqBrokerFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    [MeasurementFact]
    public async Task Measure()
    {
        for (int round = 0; round < 3; round++)
        {
            output.WriteLine($"in-memory, 20,000 jobs, 400 putters: {await RunAsync(0, 20_000, 400, noBroker: true)}");
            output.WriteLine($"broker, 1 host, 20,000 jobs, 400 putters: {await RunAsync(0, 20_000, 400)}");
            output.WriteLine($"broker, 2 hosts, 20,000 jobs, 400 putters: {await RunAsync(1, 20_000, 400)}");
            output.WriteLine($"in-memory, 2,000 jobs, 1 putter: {await RunAsync(0, 2_000, 1, noBroker: true)}");
            output.WriteLine($"broker, 1 host, 2,000 jobs, 1 putter: {await RunAsync(0, 2_000, 1)}");
        }
    }

    private async Task<string> RunAsync(int consumers, int jobs, int concurrency, bool noBroker = false)
    {
        using var run = new HostRun(fixture.Broker.AmqpUri, new Dictionary<string, string> { ["Mpms__Processes"] = "2", ["Mpms__ThreadsPerProcess"] = "2" });
        for (int i = 0; i < consumers; i++)
        {
            await run.StartConsumerAsync("c" + i.ToString(CultureInfo.InvariantCulture), Patience);
        }

        var extra = new Dictionary<string, string> { ["Mpms__QueueCapacity"] = "2000", ["concurrency"] = concurrency.ToString(CultureInfo.InvariantCulture) };
        if (noBroker)
        {
            extra["no-broker"] = "true";
        }

        HostProcess putter = await run.StartPutterAsync("a", jobs, 0, Patience, extra);
        return await putter.WaitForLineAsync(line => line.StartsWith("done", StringComparison.Ordinal), Patience);
    }
}
