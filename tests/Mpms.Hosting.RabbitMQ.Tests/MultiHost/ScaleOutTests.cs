using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Xunit.Abstractions;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.MultiHost;

/// <summary>Several hosts, each a process of the TestHost program with its own worker processes, drain one queue.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class ScaleOutTests(RabbitMqBrokerFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan LongPatience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task ThreeHosts_DrainJobsPutFromOne_EveryJobHasExactlyOneOutcome()
    {
        const int Jobs = 20_000;
        using var run = new HostRun(fixture.Broker.AmqpUri);
        Task<HostProcess> b = run.StartConsumerAsync("b", Patience);
        Task<HostProcess> c = run.StartConsumerAsync("c", Patience);
        await Task.WhenAll(b, c);
        HostProcess a = await run.StartPutterAsync("a", Jobs, sleepMs: 0, Patience, new Dictionary<string, string> { ["Mpms__QueueCapacity"] = "2000", ["concurrency"] = "400" });

        await a.WaitForLineAsync(line => line.StartsWith("done ", StringComparison.Ordinal), LongPatience);

        var outcomes = run.ReadOutcomes();
        Assert.Equal(Jobs, outcomes.Count);
        Assert.Equal(Enumerable.Range(0, Jobs), outcomes.Select(o => o.N).Order());
        Assert.All(outcomes, o => Assert.Equal("Succeeded", o.Status));
        var byHost = outcomes.GroupBy(o => o.Host).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", byHost.Select(h => $"{h.Key}: {h.Value}")));
        Assert.True(byHost.Count >= 2, $"Only {string.Join(", ", byHost.Keys)} ran jobs.");
    }
}
