using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// Thread and process finalizers: they run when a worker thread or process ends normally (a lifecycle limit, or the
/// host stopping), after the last job, and one that throws is logged and does not hold the exit up.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class FinalizerTests
{
    // What the worker runtime logs in a child reaches the application's log under its own category.
    private const string WorkerOutput = "Mpms.Hosting.WorkerRuntime";

    [Fact]
    public async Task Finalizers_HostStops_RunOncePerThreadAndProcessAfterTheLastJob()
    {
        await using TestPool pool = await TestPool.StartAsync(); // 2 processes × 2 threads
        using WaitingJobs jobs = await WaitingJobs.StartAsync(pool, count: 4); // one job on every thread
        await jobs.ReleaseAndWaitAsync();
        Assert.DoesNotContain(pool.Events(), e => e.Name is "thread-fin" or "process-fin");

        await pool.StopAsync();

        List<WorkerEvent> events = [.. pool.Events()];
        Assert.Equal(2, pool.StartedProcessIds.Count);
        foreach (int pid in pool.StartedProcessIds)
        {
            WorkerEvent[] ofProcess = events.Where(e => e.ProcessId == pid).ToArray();
            WorkerEvent[] threadInits = ofProcess.Where(e => e.Name == "thread-init").ToArray();
            WorkerEvent[] threadFins = ofProcess.Where(e => e.Name == "thread-fin").ToArray();
            Assert.Equal(2, threadInits.Length);
            Assert.Equal(threadInits.Select(e => e.ThreadName).Order(), threadFins.Select(e => e.ThreadName).Order());
            foreach (WorkerEvent fin in threadFins)
            {
                // On the thread itself, after its job.
                Assert.Equal(fin.ThreadName, fin.Detail);
                Assert.Equal(threadInits.Single(e => e.ThreadName == fin.ThreadName).ManagedThreadId, fin.ManagedThreadId);
                WorkerEvent job = Assert.Single(ofProcess, e => e.Name == "job-waiting" && e.ThreadName == fin.ThreadName);
                Assert.True(events.IndexOf(job) < events.IndexOf(fin), $"thread-fin of {fin.ThreadName} came before its job");
            }

            // The process finalizer is the last thing the process does.
            WorkerEvent processFin = Assert.Single(ofProcess, e => e.Name == "process-fin");
            Assert.Equal(processFin, ofProcess[^1]);
        }

        AssertEveryExitWasNormal(pool, MpmsProcessExitReason.Shutdown, expected: 2);
    }

    [Fact]
    public async Task Finalizers_ThreadReachesMaxJobsPerThread_RunBeforeTheProcessIsReplaced()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.MaxJobsPerThread = 1;
        });

        TestResult result = await pool.Queue.RunAsync(new TestJob("whoami"));

        // Its only thread is done after one job, so the process recycles itself and a replacement takes over.
        await pool.WaitUntilAsync(s => s.Restarts >= 1 && s.ProcessesReady == 1, "the recycled process is replaced");
        TestResult next = await pool.Queue.RunAsync(new TestJob("whoami"));
        Assert.NotEqual(result.ProcessId, next.ProcessId);

        // Before the host stops, the first process already ran both finalizers, in order, after its job.
        List<WorkerEvent> events = [.. pool.Events().Where(e => e.ProcessId == result.ProcessId)];
        WorkerEvent threadFin = Assert.Single(events, e => e.Name == "thread-fin");
        WorkerEvent processFin = Assert.Single(events, e => e.Name == "process-fin");
        Assert.Equal(result.ThreadName, threadFin.ThreadName);
        Assert.Equal(result.ManagedThreadId, threadFin.ManagedThreadId);
        Assert.True(events.IndexOf(threadFin) < events.IndexOf(processFin));
        Assert.Equal(processFin, events[^1]);

        LogEntry exit = Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "ProcessExited" && Equals(e.Value("ProcessId"), result.ProcessId));
        Assert.Equal($"{MpmsProcessExitReason.Recycled}, exit code 0", exit.Value("Exit"));
    }

    [Fact]
    public async Task ThreadFinalizer_Throws_ProcessFinalizerStillRunsAndTheProcessExitsWithCodeZero()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.WorkerEnvironment["TestWorker__FailThreadFinalizer"] = "true";
        });
        using WaitingJobs jobs = await WaitingJobs.StartAsync(pool, count: 2);
        await jobs.ReleaseAndWaitAsync();

        await pool.StopAsync();

        // Both threads ran their (throwing) finalizer, and the process finalizer ran after them.
        List<WorkerEvent> events = [.. pool.Events()];
        WorkerEvent[] threadFins = events.Where(e => e.Name == "thread-fin").ToArray();
        Assert.Equal(["mpms-TestWorker-p1#t1", "mpms-TestWorker-p1#t2"], threadFins.Select(e => e.ThreadName).Order());
        WorkerEvent processFin = Assert.Single(events, e => e.Name == "process-fin");
        Assert.All(threadFins, fin => Assert.True(events.IndexOf(fin) < events.IndexOf(processFin)));

        foreach (string thread in new[] { "mpms-TestWorker-p1#t1", "mpms-TestWorker-p1#t2" })
        {
            Assert.Contains(pool.Logs.Entries, e => e.Category == WorkerOutput && e.Message.Contains($"Thread finalizer failed on {thread}", StringComparison.Ordinal));
        }

        AssertEveryExitWasNormal(pool, MpmsProcessExitReason.Shutdown, expected: 1);
    }

    [Fact]
    public async Task ProcessFinalizer_Throws_TheProcessStillExitsWithCodeZero()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.WorkerEnvironment["TestWorker__FailProcessFinalizer"] = "true";
        });
        using WaitingJobs jobs = await WaitingJobs.StartAsync(pool, count: 2);
        await jobs.ReleaseAndWaitAsync();

        await pool.StopAsync();

        List<WorkerEvent> events = [.. pool.Events()];
        Assert.Equal(2, events.Count(e => e.Name == "thread-fin"));
        Assert.Equal(events.Single(e => e.Name == "process-fin"), events[^1]);
        Assert.Contains(pool.Logs.Entries, e => e.Category == WorkerOutput && e.Message.Contains("Process finalizer failed in mpms-TestWorker-p1", StringComparison.Ordinal));

        AssertEveryExitWasNormal(pool, MpmsProcessExitReason.Shutdown, expected: 1);
    }

    /// <summary>The supervisor saw every process leave as asked, with exit code 0: none ended unexpectedly or was killed at the deadline.</summary>
    private static void AssertEveryExitWasNormal(TestPool pool, MpmsProcessExitReason reason, int expected)
    {
        LogEntry[] exits = pool.Logs.Entries.Where(e => e.EventId.Name == "ProcessExited").ToArray();
        Assert.Equal(expected, exits.Length);
        Assert.Equal(pool.StartedProcessIds.Order(), exits.Select(e => (int)e.Value("ProcessId")!).Order());
        Assert.All(exits, e => Assert.Equal($"{reason}, exit code 0", e.Value("Exit")));
        Assert.DoesNotContain(pool.Logs.Entries, e => e.EventId.Name is "ProcessEndedUnexpectedly" or "ShutdownKilling");
        Assert.Equal(MpmsPoolState.Stopped, pool.Pool.GetStats().State);
    }
}
