using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

[Collection(IntegrationCollection.Name)]
public sealed class SmokeTests
{
    [Fact]
    public async Task RunAsync_TrivialJobs_ReturnResultsFromWorkerProcesses()
    {
        await using TestPool pool = await TestPool.StartAsync();

        TestResult[] results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => pool.Queue.RunAsync(new TestJob("double", i))));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * 2), results.Select(r => r.Value));
        Assert.All(results, r => Assert.NotEqual(Environment.ProcessId, r.ProcessId));
    }
}
