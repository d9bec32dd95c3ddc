using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// With prefetch a process holds jobs ahead; if it dies, only the job it really ran is lost, and while it is busy the
/// jobs it holds ahead are taken back for a process with an idle thread.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class PrefetchTests
{
    [Fact]
    public async Task Sigkill_ProcessHoldingPrefetchedJobs_OnlyTheRunningJobIsLostAndTheOthersRunOnceInTheReplacement()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.Prefetch = 2;
        });
        await pool.WaitForReadyAsync();

        // One job runs and holds the only thread; two more are sent ahead and wait in the same process.
        using WaitingJobs running = await WaitingJobs.StartAsync(pool, 1);
        MpmsJobHandle<TestResult> ahead1 = await pool.Queue.PutAsync(new TestJob("whoami", 1));
        MpmsJobHandle<TestResult> ahead2 = await pool.Queue.PutAsync(new TestJob("whoami", 2));
        await pool.WaitUntilAsync(s => s.HeldAhead == 2, "both jobs to be sent ahead to the busy process");
        int victim = running.Running[0].ProcessId;

        ProcessProbe.Signal(victim, 9);

        var lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => running.Handles[0].Completion);
        Assert.Equal(9, lost.Signal);
        TestResult[] results = await Task.WhenAll(ahead1.Completion, ahead2.Completion);
        Assert.All(results, r => Assert.NotEqual(victim, r.ProcessId));
        Assert.All(results, r => Assert.Equal(1, r.Attempt));
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((1L, 2L), (stats.WorkerLost, stats.Succeeded));
    }

    [Fact]
    public async Task Prefetch_ManyShortJobs_AllSucceedOnceAcrossProcesses()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 2;
            o.ThreadsPerProcess = 2;
            o.Prefetch = 64;
            o.QueueCapacity = 1000;
        });

        var handles = new List<MpmsJobHandle<TestResult>>();
        for (int i = 0; i < 1000; i++)
        {
            handles.Add(await pool.Queue.PutAsync(new TestJob("double", i)));
        }

        TestResult[] results = await Task.WhenAll(handles.Select(h => h.Completion));
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i * 2), results.Select(r => r.Value));
        Assert.Equal(1000, results.Select(r => r.JobId).Distinct().Count());
        Assert.Equal(1000, pool.Pool.GetStats().Succeeded);
    }

    [Fact]
    public async Task Prefetch_JobsHeldAheadByABusyProcess_AreRunOnceByTheProcessThatBecameIdle()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 2;
            o.ThreadsPerProcess = 1;
            o.Prefetch = 8;
            o.QueueCapacity = 100;
        });
        await pool.WaitForReadyAsync();

        // Both threads are held by a waiting job each (the second one only runs at once because a held job is moved to
        // an idle process, whichever process it was sent to).
        using WaitingJobs first = await WaitingJobs.StartAsync(pool, 1);
        using WaitingJobs second = await WaitingJobs.StartAsync(pool, 1);
        int stillBusy = first.Running[0].ProcessId;
        int freed = second.Running[0].ProcessId;
        Assert.NotEqual(stillBusy, freed);

        // More jobs than one process may hold ahead: both processes hold some of them, and none can start.
        var quick = new List<MpmsJobHandle<TestResult>>();
        for (int i = 0; i < 12; i++)
        {
            quick.Add(await pool.Queue.PutAsync(new TestJob("mark", i)));
        }

        await pool.WaitUntilAsync(s => (s.Running, s.HeldAhead) == (2, 12), "every job to be sent ahead to the two busy processes");

        // One process becomes idle: it runs what it holds, then what the other one holds, while that one stays busy.
        TestResult[] results = await second.ReleaseAndWaitAsync();
        TestResult[] quickResults = await Task.WhenAll(quick.Select(h => h.Completion)).WaitAsync(TestPool.WaitCeiling);

        Assert.Equal(freed, results[0].ProcessId);
        Assert.All(quickResults, r => Assert.Equal(freed, r.ProcessId));
        Assert.All(quickResults, r => Assert.Equal(1, r.Attempt));
        Assert.False(first.Handles[0].Completion.IsCompleted, "the busy process's job still waits");
        Assert.Equal(12, quickResults.Select(r => r.JobId).Distinct().Count());
        HashSet<string> quickIds = [.. quick.Select(h => h.JobId)];
        Assert.Equal(12, pool.Events().Count(e => e.Name == "job-ran" && quickIds.Contains(e.Detail)));

        TestResult[] last = await first.ReleaseAndWaitAsync();
        Assert.Equal(stillBusy, last[0].ProcessId);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((14L, 0L, 0L), (stats.Succeeded, stats.WorkerLost, stats.Failed));
    }
}
