using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Xunit.Abstractions;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.MultiHost;

/// <summary>The broker restarts while two hosts put and run jobs: connections recover, puts wait, no accepted job goes without an outcome.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class BrokerRestartTests(RabbitMqBrokerFixture fixture, ITestOutputHelper output)
{
    private const int Jobs = 2_000;

    [Fact]
    public async Task BrokerRestartedUnderLoad_EveryJobStillGetsExactlyOneOutcome()
    {
        using var run = new HostRun(fixture.Broker.AmqpUri, new Dictionary<string, string>
        {
            ["Mpms__OnWorkerLost"] = "Retry",
            ["Mpms__MaxAttempts"] = "3",
            ["Mpms__RabbitMq__PutTimeout"] = "00:01:30",
        });
        await run.StartConsumerAsync("b", Patience);
        HostProcess a = await run.StartPutterAsync("a", Jobs, sleepMs: 5, Patience, new Dictionary<string, string> { ["Mpms__QueueCapacity"] = "1000", ["concurrency"] = "100" });
        await a.WaitForLineAsync(line => line == "progress 500", Patience);

        await fixture.Broker.RestartAsync();
        output.WriteLine($"The node restarted in {fixture.Broker.LastStartDuration.TotalSeconds:0.0} s.");

        await a.WaitForLineAsync(line => line.StartsWith("done ", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
        var outcomes = run.ReadOutcomes();
        output.WriteLine(string.Join(", ", outcomes.GroupBy(o => (o.Status, o.Host, o.Attempt)).Select(g => $"{g.Key}: {g.Count()}")));
        Assert.Equal(Enumerable.Range(0, Jobs), outcomes.Select(o => o.N).Order());
        Assert.All(outcomes, o => Assert.Equal("Succeeded", o.Status));
    }
}
