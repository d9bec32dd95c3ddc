using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Xunit.Abstractions;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.MultiHost;

/// <summary>
/// Jobs whose first attempt throws, retried through the broker, while a consuming host that ran first attempts is
/// SIGKILLed: their retries wait on the broker, not in the dead host, and every job still gets exactly one outcome.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RetryHostDeathTests(RabbitMqBrokerFixture fixture, ITestOutputHelper output)
{
    private const int Jobs = 100;

    [Fact]
    public async Task ConsumingHostKilledBetweenAttempts_EveryJobGetsOneOutcome()
    {
        // Every host has the same pool policy: one retry, a second after the failure, so retries wait on the broker.
        using var run = new HostRun(fixture.Broker.AmqpUri, new Dictionary<string, string>
        {
            ["Mpms__Retry__MaxAttempts"] = "2",
            ["Mpms__Retry__Delay"] = "00:00:01",
            ["Mpms__Retry__BackoffType"] = "Constant",
        });
        Task<HostProcess> victim = run.StartConsumerAsync("b", Patience);
        Task<HostProcess> other = run.StartConsumerAsync("c", Patience);
        await Task.WhenAll(victim, other);
        HostProcess a = await run.StartPutterAsync("a", Jobs, sleepMs: 20, Patience, new Dictionary<string, string> { ["fail-attempts"] = "1", ["concurrency"] = "100" });

        // Killed once its workers have run first attempts (which throw): their retries are on their way or on the broker.
        await FileWatch.UntilAsync(run.StartedFile("b"), () => run.StartedCount("b") >= 10, "host b to start jobs", Patience);
        (await victim).KillGroup();
        Assert.True(await (await victim).WaitForExitAsync(Patience), "The killed host did not exit.");

        await a.WaitForLineAsync(line => line.StartsWith("done ", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var outcomes = run.ReadOutcomes();
        output.WriteLine(string.Join(", ", outcomes.GroupBy(o => (o.Status, o.Host, o.Attempt)).Select(g => $"{g.Key}: {g.Count()}")));

        Assert.Equal(Enumerable.Range(0, Jobs), outcomes.Select(o => o.N).Order());

        // A job b held when it died ends WorkerLost (OnWorkerLost: Fail); every other one succeeds at its second attempt,
        // which no host runs before the first has thrown and been retried.
        Assert.All(outcomes, o => Assert.Contains(o.Status, new[] { "Succeeded", "WorkerLost" }));
        Assert.All(outcomes.Where(o => o.Status == "Succeeded"), o => Assert.Equal(2, o.Attempt));
        Assert.Contains(outcomes, o => o.Status == "Succeeded" && o.Host != "b");
    }
}
