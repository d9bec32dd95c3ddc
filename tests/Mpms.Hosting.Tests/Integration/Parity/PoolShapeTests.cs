using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// PARITY 1, 2, 3: the pool runs <c>Processes</c> worker processes of <c>ThreadsPerProcess</c> threads each
/// (<c>processes</c>, <c>threads</c>), and the worker (<c>worker</c>) is resolved from its thread's DI scope and gets
/// one job object.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class PoolShapeTests
{
    [Fact]
    public async Task ProcessesAndThreadsPerProcess_TwoByTwo_RunFourJobsAtOnceInTwoProcessesAndQueueTheFifth()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 2;
            o.ThreadsPerProcess = 2;
            o.Prefetch = 0; // the original's shape: the fifth job waits in the queue, not held ahead by a process
        });

        using WaitingJobs running = await WaitingJobs.StartAsync(pool, 4);
        MpmsJobHandle<TestResult> fifth = await pool.Queue.PutAsync(new TestJob("whoami", 5));

        Assert.Equal(2, running.Running.Select(e => e.ProcessId).Distinct().Count());
        Assert.All(running.Running.GroupBy(e => e.ProcessId), process => Assert.Equal(2, process.Select(e => e.ThreadName).Distinct().Count()));
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((2, 4L, 1L), (stats.ProcessesReady, stats.Running, stats.Queued));
        Assert.Equal(MpmsJobStatus.Queued, fifth.Status);

        TestResult[] results = await running.ReleaseAndWaitAsync();
        TestResult last = await fifth.Completion.WithinCeiling();
        Assert.Contains(last.ProcessId, results.Select(r => r.ProcessId));
        Assert.Equal(2, pool.StartedProcessIds.Count);
    }

    [Fact]
    public async Task Worker_ResolvedFromItsThreadsScope_SeesItsThreadsResourcesAndRunsEachJob()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
        });

        // One round with a job held on each thread, then more jobs on whichever thread is free.
        using WaitingJobs held = await WaitingJobs.StartAsync(pool, 2);
        TestResult[] first = await held.ReleaseAndWaitAsync();
        TestResult[] more = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => pool.Queue.RunAsync(new TestJob("whoami", i))));

        // Each thread has its own scope: its resource, made by its initializer on that thread, is the worker's.
        Assert.Equal(2, first.Select(r => r.ThreadResourceId).Distinct().Count());
        Dictionary<string, int> resourceOfThread = first.ToDictionary(r => r.ThreadName!, r => r.ThreadResourceId);
        Assert.All(first.Concat(more), r =>
        {
            Assert.Equal(resourceOfThread[r.ThreadName!], r.ThreadResourceId);
            Assert.Equal(r.ManagedThreadId, r.ThreadInitializerThreadId);
            Assert.Equal(r.ProcessId, r.ProcessInitializerProcessId);
        });

        // Each job is one object (a record), carried to a worker process and run there.
        Assert.Equal(Enumerable.Range(0, 10), more.Select(r => r.Value));
        Assert.All(more, r => Assert.NotEqual(Environment.ProcessId, r.ProcessId));
    }
}
