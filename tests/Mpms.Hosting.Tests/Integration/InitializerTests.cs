using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// Process and thread initializers in real worker processes: where, when and how often they run. Every thread of the
/// pool is given one waiting job, so each test knows which thread ran what, and the event log (written by the
/// initializers and the jobs) shows the order.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class InitializerTests
{
    [Fact]
    public async Task ProcessInitializer_EveryWorkerProcess_RunsOnceInThatChildBeforeAnyJob()
    {
        await using TestPool pool = await TestPool.StartAsync(); // 2 processes × 2 threads
        using WaitingJobs jobs = await WaitingJobs.StartAsync(pool, count: 4);
        TestResult[] results = await jobs.ReleaseAndWaitAsync();
        await pool.StopAsync();
        IReadOnlyList<WorkerEvent> events = pool.Events();

        IReadOnlyList<int> processes = pool.StartedProcessIds;
        Assert.Equal(2, processes.Count);
        Assert.Equal(processes.Order(), results.Select(r => r.ProcessId).Distinct().Order());
        foreach (int pid in processes)
        {
            Assert.NotEqual(Environment.ProcessId, pid);
            WorkerEvent[] ofProcess = events.Where(e => e.ProcessId == pid).ToArray();
            WorkerEvent init = Assert.Single(ofProcess, e => e.Name == "process-init");
            Assert.Matches(@"^mpms-TestWorker-p\d+$", init.Detail);

            // The first thing the process wrote: before its threads' initializers and before any of its jobs.
            Assert.Equal(init, ofProcess[0]);
            Assert.Contains(ofProcess, e => e.Name == "job-waiting");
        }

        // The process-wide resource the initializer set up is the one of the process that ran the job.
        Assert.All(results, r => Assert.Equal(r.ProcessId, r.ProcessInitializerProcessId));
    }

    [Fact]
    public async Task ThreadInitializer_EveryWorkerThread_RunsOnceOnThatThreadBeforeItsJob()
    {
        await using TestPool pool = await TestPool.StartAsync(); // 2 processes × 2 threads
        using WaitingJobs jobs = await WaitingJobs.StartAsync(pool, count: 4);
        TestResult[] results = await jobs.ReleaseAndWaitAsync();
        await pool.StopAsync();
        List<WorkerEvent> events = [.. pool.Events()];

        // One job per thread: every one of the four threads ran exactly one of them.
        Assert.Equal(4, results.Select(r => r.ThreadName).Distinct().Count());
        Assert.Equal(4, events.Count(e => e.Name == "thread-init"));
        foreach ((TestResult result, WorkerEvent waiting) in results.Zip(jobs.Running))
        {
            Assert.StartsWith("mpms-TestWorker-p", result.ThreadName);
            WorkerEvent init = Assert.Single(events, e => e.Name == "thread-init" && e.ThreadName == result.ThreadName);
            Assert.Equal(result.ProcessId, init.ProcessId);
            Assert.Equal(result.ThreadName, init.Detail);

            // On the thread that later ran the job, and before it.
            Assert.Equal(result.ManagedThreadId, init.ManagedThreadId);
            Assert.Equal(init.ManagedThreadId, result.ThreadInitializerThreadId);
            Assert.Equal(waiting.ManagedThreadId, init.ManagedThreadId);
            Assert.Equal(result.ManagedThreadId, result.ManagedThreadIdAfterAwait);
            Assert.True(events.IndexOf(init) < events.IndexOf(waiting), $"thread-init of {init.ThreadName} came after its job");
        }

        // A scoped service is one per thread: the two threads of a process have different thread resources.
        Assert.All(
            results.GroupBy(r => r.ProcessId),
            process => Assert.Equal(2, process.Select(r => r.ThreadResourceId).Distinct().Count()));
    }

    [Fact]
    public async Task Job_AfterAnAwait_ContinuesOnItsWorkerThread()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1);

        // "whoami" awaits a timer: without the worker thread's synchronization context it would resume on the thread pool.
        TestResult[] results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => pool.Queue.RunAsync(new TestJob("whoami", i))));

        Assert.All(results, r =>
        {
            Assert.StartsWith("mpms-TestWorker-p1#t", r.ThreadName);
            Assert.Equal(r.ManagedThreadId, r.ManagedThreadIdAfterAwait);
            Assert.Equal(r.ManagedThreadId, r.ThreadInitializerThreadId);
        });

        // Each worker thread is one managed thread with one thread resource, job after job.
        Assert.All(results.GroupBy(r => r.ThreadName), thread =>
        {
            Assert.Single(thread.Select(r => r.ManagedThreadId).Distinct());
            Assert.Single(thread.Select(r => r.ThreadResourceId).Distinct());
        });
        Assert.Equal(results.Select(r => r.ThreadName).Distinct().Count(), results.Select(r => r.ManagedThreadId).Distinct().Count());
    }
}
