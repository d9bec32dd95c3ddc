using System.Text.Json;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Dashboard.Tests;

/// <summary>The JSON the page reads (<c>/mpms/api/pools</c>), against a real pool of worker processes.</summary>
[Collection(WorkerProcessCollection.Name)]
public sealed class PoolsEndpointTests
{
    [Fact]
    public async Task PoolsEndpoint_RealPool_ListsEveryProcessWithItsPidStateMemoryAndThreads()
    {
        await using DashboardApp app = await DashboardApp.StartAsync();
        TestResult ran = await app.Queue.RunAsync(new TestJob("whoami"));

        JsonElement pool = await app.GetPoolJsonAsync();

        Assert.Equal("TestWorker", pool.GetProperty("poolName").GetString());
        JsonElement stats = pool.GetProperty("stats");
        Assert.Equal(("Healthy", "Running", 1L), (stats.GetProperty("health").GetString(), stats.GetProperty("state").GetString(), stats.GetProperty("succeeded").GetInt64()));
        Assert.Equal(5, pool.GetProperty("sampleInterval").GetDouble());
        Assert.Equal(JsonValueKind.Array, pool.GetProperty("throughput").ValueKind);

        JsonElement[] processes = [.. pool.GetProperty("processes").EnumerateArray()];
        Assert.Equal(2, processes.Length);
        int[] pids = [.. processes.Select(p => p.GetProperty("processId").GetInt32())];
        Assert.Contains(ran.ProcessId, pids);
        Assert.All(pids, pid => Assert.True(pid != Environment.ProcessId && DashboardApp.IsAlive(pid), $"pid {pid} is no running worker process"));
        Assert.All(processes, p =>
        {
            Assert.Equal("Ready", p.GetProperty("state").GetString());
            Assert.True(p.GetProperty("memoryBytes").GetInt64() > 1024 * 1024, "a .NET process has more than 1 MiB resident");
            Assert.True(p.GetProperty("uptime").GetDouble() >= 0);
            string name = p.GetProperty("name").GetString()!;
            Assert.Equal(
                [$"{name}#t1", $"{name}#t2"],
                p.GetProperty("threads").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        });
        Assert.Equal(1, processes.Sum(p => p.GetProperty("jobsDone").GetInt64()));
        Assert.Equal(1, processes.Single(p => p.GetProperty("processId").GetInt32() == ran.ProcessId).GetProperty("jobsDone").GetInt64());
    }

    [Fact]
    public async Task PoolsEndpoint_JobThrows_ItsFailureAppearsWithTheWorkersStackTrace()
    {
        await using DashboardApp app = await DashboardApp.StartAsync();

        await Assert.ThrowsAsync<MpmsWorkerException>(() => app.Queue.RunAsync(new TestJob("throw", Value: 7)));
        JsonElement pool = await app.GetPoolJsonAsync();

        JsonElement failure = Assert.Single(pool.GetProperty("recentFailures").EnumerateArray());
        Assert.Equal("Failed", failure.GetProperty("status").GetString());
        Assert.Equal("System.InvalidOperationException", failure.GetProperty("exceptionType").GetString());
        Assert.Equal("boom 7", failure.GetProperty("message").GetString());
        Assert.Contains("Mpms.Hosting.TestWorker.TestWorker.ExecuteAsync", failure.GetProperty("stackTrace").GetString(), StringComparison.Ordinal);
        Assert.Contains(failure.GetProperty("processId").GetInt32(), pool.GetProperty("processes").EnumerateArray().Select(p => p.GetProperty("processId").GetInt32()));
        Assert.StartsWith("mpms-TestWorker-p", failure.GetProperty("threadName").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, pool.GetProperty("stats").GetProperty("failed").GetInt64());
    }
}
