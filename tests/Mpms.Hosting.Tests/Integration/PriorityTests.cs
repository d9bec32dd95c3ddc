using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>Priorities with a real worker process: the jobs waiting in the application's queue run highest first.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class PriorityTests
{
    [Fact]
    public async Task PutAsync_JobsWaitingBehindABusyThread_RunHighestPriorityFirstAndFifoWithinOne()
    {
        // One thread, nothing held ahead: every job below waits in the application's queue. A fake clock keeps the
        // aging out of the order.
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 1;
                o.Prefetch = 0;
            },
            services: s => s.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow)));
        string gate = Path.Combine(pool.Directory, "go");
        MpmsJobHandle<TestResult> blocker = await pool.Queue.PutAsync(new TestJob("wait-file", Path: gate));
        await pool.WaitForEventsAsync(events => events.Any(e => e.Name == "job-waiting"), "the blocker running");

        var handles = new List<(string Name, MpmsJobHandle<TestResult> Handle)>();
        foreach ((string name, int priority) in new[] { ("p0-a", 0), ("p9", 9), ("p5-a", 5), ("p0-b", 0), ("p5-b", 5), ("p1", 1) })
        {
            handles.Add((name, await pool.Queue.PutAsync(new TestJob("mark"), new MpmsPutOptions { Priority = priority })));
        }

        await File.WriteAllTextAsync(gate, "");
        await Task.WhenAll(handles.Select(h => h.Handle.Completion).Append(blocker.Completion)).WaitAsync(TestPool.WaitCeiling);

        Dictionary<string, string> names = handles.ToDictionary(h => h.Handle.JobId, h => h.Name);
        Assert.Equal(["p9", "p5-a", "p5-b", "p1", "p0-a", "p0-b"], pool.Events().Where(e => e.Name == "job-ran").Select(e => names[e.Detail]));
    }
}
