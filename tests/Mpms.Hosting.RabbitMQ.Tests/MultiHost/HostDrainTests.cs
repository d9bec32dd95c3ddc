using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Xunit.Abstractions;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.MultiHost;

/// <summary>A consuming host asked to stop (SIGTERM, as an orchestrator does): it stops taking, finishes what runs, hands back the rest.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class HostDrainTests(RabbitMqBrokerFixture fixture, ITestOutputHelper output)
{
    private const int Jobs = 400;

    [Fact]
    public async Task ConsumingHostTerminated_HandsBackWhatItHeld_AndNoJobIsLost()
    {
        // Fail: a job handed back as "may have started" would end WorkerLost; a drain must hand back none that way.
        using var run = new HostRun(fixture.Broker.AmqpUri, new Dictionary<string, string> { ["Mpms__OnWorkerLost"] = "Fail" });
        HostProcess b = await run.StartConsumerAsync("b", Patience);
        HostProcess a = await run.StartPutterAsync("a", Jobs, sleepMs: 30, Patience, new Dictionary<string, string> { ["Mpms__QueueCapacity"] = "1000", ["concurrency"] = "200" });
        await FileWatch.UntilAsync(run.StartedFile("b"), () => run.StartedCount("b") >= 10, "host b to start jobs", Patience);

        b.Terminate();

        Assert.True(await b.WaitForExitAsync(Patience), "The host did not finish its drain.");
        Assert.Equal(0, b.ExitCode);
        Assert.False(b.GroupAlive(), "A worker process of the drained host is still running.");
        await a.WaitForLineAsync(line => line.StartsWith("done ", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var outcomes = run.ReadOutcomes();
        output.WriteLine(string.Join(", ", outcomes.GroupBy(o => (o.Status, o.Host, o.Attempt)).Select(g => $"{g.Key}: {g.Count()}")));
        Assert.Equal(Enumerable.Range(0, Jobs), outcomes.Select(o => o.N).Order());
        Assert.All(outcomes, o => Assert.Equal(("Succeeded", 1), (o.Status, o.Attempt)));
        Assert.Contains(outcomes, o => o.Host == "b");

        // What b started it finished: no job started there ran again elsewhere.
        HashSet<int> startedOnB = [.. File.ReadAllLines(run.StartedFile("b")).Select(int.Parse)];
        Assert.All(outcomes.Where(o => startedOnB.Contains(o.N)), o => Assert.Equal("b", o.Host));
    }
}
