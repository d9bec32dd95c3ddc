using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Xunit.Abstractions;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.MultiHost;

/// <summary>A whole consuming host (application and workers) SIGKILLed mid-run: the broker gives its jobs to the others, and the policy decides.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class HostDeathTests(RabbitMqBrokerFixture fixture, ITestOutputHelper output)
{
    private const int Jobs = 600;

    [Fact]
    public async Task ConsumingHostKilled_WithFail_ItsJobsEndWorkerLostAndEveryJobHasOneOutcome()
    {
        var outcomes = await RunAndKillAsync("Fail");

        Assert.All(outcomes, o => Assert.Contains(o.Status, new[] { "Succeeded", "WorkerLost" }));
        Assert.Contains(outcomes, o => o.Status == "WorkerLost");

        // With Fail nothing runs twice: every job that succeeded did so at its first attempt.
        Assert.All(outcomes.Where(o => o.Status == "Succeeded"), o => Assert.Equal(1, o.Attempt));
    }

    [Fact]
    public async Task ConsumingHostKilled_WithRetry_ItsJobsRunAgainAndAllSucceed()
    {
        var outcomes = await RunAndKillAsync("Retry");

        Assert.All(outcomes, o => Assert.Equal("Succeeded", o.Status));
        Assert.Contains(outcomes, o => o.Attempt == 2);
        Assert.DoesNotContain(outcomes, o => o.Host == "b" && o.Attempt == 2);
    }

    private async Task<IReadOnlyList<(int N, string Status, string Host, int Attempt)>> RunAndKillAsync(string policy)
    {
        using var run = new HostRun(fixture.Broker.AmqpUri, new Dictionary<string, string> { ["Mpms__OnWorkerLost"] = policy, ["Mpms__MaxAttempts"] = "3" });
        Task<HostProcess> victim = run.StartConsumerAsync("b", Patience);
        Task<HostProcess> other = run.StartConsumerAsync("c", Patience);
        await Task.WhenAll(victim, other);
        HostProcess a = await run.StartPutterAsync("a", Jobs, sleepMs: 20, Patience, new Dictionary<string, string> { ["Mpms__QueueCapacity"] = "1000", ["concurrency"] = "200" });

        // Killed once its workers have started jobs: it holds more, running and prefetched.
        await FileWatch.UntilAsync(run.StartedFile("b"), () => run.StartedCount("b") >= 10, "host b to start jobs", Patience);
        (await victim).KillGroup();
        Assert.True(await (await victim).WaitForExitAsync(Patience), "The killed host did not exit.");

        await a.WaitForLineAsync(line => line.StartsWith("done ", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var outcomes = run.ReadOutcomes();
        output.WriteLine(string.Join(", ", outcomes.GroupBy(o => (o.Status, o.Host, o.Attempt)).Select(g => $"{g.Key}: {g.Count()}")));
        Assert.Equal(Jobs, outcomes.Count);
        Assert.Equal(Enumerable.Range(0, Jobs), outcomes.Select(o => o.N).Order());
        return outcomes;
    }
}
