using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// An initializer that throws, or a worker that cannot be constructed, takes down only its own process or thread: the
/// pool goes on, every job completes, and the failure is in the application's log with the name of the process or thread.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class InitializerFailureTests
{
    // What the worker runtime logs in a child reaches the application's log under its own category.
    private const string WorkerOutput = "Mpms.Hosting.WorkerRuntime";

    [Fact]
    public async Task ProcessInitializer_ThrowsInOneProcess_ThatProcessTakesNoJobAndTheOthersRunThemAll()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.ThreadsPerProcess = 1;
            o.WorkerEnvironment["TestWorker__FailProcessInitOfProcess"] = "1";
        });

        // Process 1 fails and exits; the pool is whole again when its replacement is ready.
        await pool.WaitUntilAsync(s => s.ProcessesReady == 2 && s.Restarts >= 1, "the replacement of the failed process is ready");
        using WaitingJobs waiting = await WaitingJobs.StartAsync(pool, count: 2); // one on each of the two live processes
        TestResult[] held = await waiting.ReleaseAndWaitAsync();
        TestResult[] more = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => pool.Queue.RunAsync(new TestJob("double", i))));
        await pool.StopAsync();

        IReadOnlyList<WorkerEvent> events = pool.Events();
        WorkerEvent failedInit = Assert.Single(events, e => e.Name == "process-init" && e.Detail == "mpms-TestWorker-p1");
        int failed = failedInit.ProcessId;
        Assert.Contains(failed, pool.StartedProcessIds);
        Assert.Equal(3, pool.StartedProcessIds.Count);

        // The failed process started no thread and took no job; the two others each took one of the held jobs.
        Assert.DoesNotContain(events, e => e.ProcessId == failed && e.Name != "process-init");
        Assert.DoesNotContain(held.Concat(more), r => r.ProcessId == failed);
        Assert.Equal(2, held.Select(r => r.ProcessId).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 2), more.Select(r => r.Value));
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(12, stats.Succeeded);
        Assert.Equal(12, stats.Accepted);

        // The child logged the failure with its name and the initializer's exception; it reached the application's log.
        LogEntry childLine = Assert.Single(pool.Logs.Entries, e =>
            e.Category == WorkerOutput && e.Message.Contains($"Process initializer failed in mpms-TestWorker-p1 (pid {failed})", StringComparison.Ordinal));
        Assert.Equal("mpms-TestWorker-p1", childLine.Value("ProcessName"));
        var cause = Assert.IsType<MpmsWorkerException>(childLine.Exception);
        Assert.Equal("System.InvalidOperationException", cause.RemoteType);
        Assert.Equal("process initializer fails in mpms-TestWorker-p1", cause.Message);

        // The supervisor logged the process's exit as a failed start.
        LogEntry exit = Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "ProcessEndedUnexpectedly" && (string?)e.Value("ProcessName") == "mpms-TestWorker-p1");
        Assert.Equal(failed, exit.Value("ProcessId"));
        Assert.StartsWith(nameof(MpmsProcessExitReason.StartFailed), (string?)exit.Value("Exit"));
    }

    [Fact]
    public async Task ThreadInitializer_ThrowsOnOneThread_ThatThreadTakesNoJobAndItsSiblingDoes()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.Prefetch = 0; // a job is sent for a live, free thread only: what a dead thread would change
            o.WorkerEnvironment["TestWorker__FailThreadInitOfThread"] = "2";
        });

        // Thread 2's initializer has thrown once the child's line saying so has arrived.
        await pool.WaitUntilAsync(
            _ => pool.Logs.Entries.Any(e => e.Category == WorkerOutput && e.Message.Contains("Thread initializer failed on mpms-TestWorker-p1#t2", StringComparison.Ordinal)),
            "thread 2's initializer failed");

        // Two jobs that each hold a thread: with thread 1 busy, a live thread 2 would be sent the second at once.
        string release = Path.Combine(pool.Directory, "release");
        MpmsJobHandle<TestResult> first = await pool.Queue.PutAsync(new TestJob("wait-file", 1, Path: release));
        MpmsJobHandle<TestResult> second = await pool.Queue.PutAsync(new TestJob("wait-file", 2, Path: release));
        await pool.WaitForEventsAsync(e => e.Any(x => x.Name == "job-waiting"), "a job running");
        MpmsPoolStats whileHeld = pool.Pool.GetStats();
        Assert.Equal(1, whileHeld.Running);
        Assert.Equal(1, whileHeld.Queued);

        File.WriteAllText(release, "go");
        TestResult[] results = [await first, await second, .. await Task.WhenAll(Enumerable.Range(0, 6).Select(i => pool.Queue.RunAsync(new TestJob("whoami", i))))];
        await pool.StopAsync();

        Assert.All(results, r => Assert.Equal("mpms-TestWorker-p1#t1", r.ThreadName));
        IReadOnlyList<WorkerEvent> events = pool.Events();
        Assert.Single(events, e => e.Name == "thread-init" && e.ThreadName == "mpms-TestWorker-p1#t2");
        Assert.Single(events, e => e.Name == "thread-init" && e.ThreadName == "mpms-TestWorker-p1#t1");
        Assert.All(events.Where(e => e.Name == "job-waiting"), e => Assert.Equal("mpms-TestWorker-p1#t1", e.ThreadName));
        Assert.Equal(2, events.Count(e => e.Name == "job-waiting"));

        // Only the thread failed: its process stayed, and was never replaced.
        Assert.Single(pool.StartedProcessIds);
        Assert.Equal(0, pool.Pool.GetStats().Restarts);
        Assert.DoesNotContain(pool.Logs.Entries, e => e.EventId.Name == "ProcessEndedUnexpectedly");
    }

    [Fact]
    public async Task Worker_ConstructorThrowsOnOneThread_TheApplicationLogSaysDiCouldNotConstructItAndWhy()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.WorkerEnvironment["TestWorker__FailWorkerConstructionOnThread"] = "2";
        });

        await pool.WaitUntilAsync(
            _ => pool.Logs.Entries.Any(e => e.Category == WorkerOutput && e.EventId.Id == 2020),
            "the child's line saying thread 2's worker could not be constructed");
        TestResult[] results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => pool.Queue.RunAsync(new TestJob("whoami", i))));
        await pool.StopAsync();

        // What reached the application names the worker type, the thread and DI's reason; it is not called an initializer failure.
        LogEntry line = Assert.Single(pool.Logs.Entries, e => e.Category == WorkerOutput && e.EventId.Id == 2020);
        Assert.Equal(
            "The worker 'Mpms.Hosting.TestWorker.TestWorker' could not be constructed by dependency injection on mpms-TestWorker-p1#t2 of pool TestWorker, so the thread exits and takes no job. the test worker refuses thread 2",
            line.Message);
        Assert.Equal("mpms-TestWorker-p1#t2", line.Value("ThreadName"));
        var cause = Assert.IsType<MpmsWorkerException>(line.Exception);
        Assert.Equal("System.InvalidOperationException", cause.RemoteType);
        Assert.DoesNotContain(pool.Logs.Entries, e => e.Message.Contains("Thread initializer failed", StringComparison.Ordinal));

        // Only that thread is gone: its sibling ran every job, and the process was never replaced.
        Assert.All(results, r => Assert.Equal("mpms-TestWorker-p1#t1", r.ThreadName));
        Assert.Single(pool.StartedProcessIds);
    }
}
