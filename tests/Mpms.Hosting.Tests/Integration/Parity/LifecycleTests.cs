using System.Text.RegularExpressions;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// PARITY 12, 13, 14 (and the lifecycle half of 22): a worker thread leaves after <c>MaxJobsPerThread</c> jobs
/// (<c>lifecycle</c>) or once it has lived <c>ThreadLifetime</c> (<c>lifecycle_duration</c>, checked before it takes a
/// job), running its finalizer; when every thread of a process has left, the process runs its finalizers, exits as
/// recycled and is replaced, so the pool keeps its size.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed partial class LifecycleTests
{
    [Fact]
    public async Task MaxJobsPerThread_WhileOneThreadRunsItsLastJob_ItsSiblingStillTakesJobs()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
            o.MaxJobsPerThread = 2;
        });
        string firstFile = Path.Combine(pool.Directory, "first"), lastFile = Path.Combine(pool.Directory, "last");

        // Thread X holds its first job; thread Y runs one job, then holds its second and last one.
        MpmsJobHandle<TestResult> first = await Jobs.PutRunningAsync(pool, new TestJob("wait-file", 1, Path: firstFile));
        TestResult quick = await pool.Queue.RunAsync(new TestJob("double", 2)).WaitAsync(TestPool.WaitCeiling);
        MpmsJobHandle<TestResult> last = await Jobs.PutRunningAsync(pool, new TestJob("wait-file", 3, Path: lastFile));

        // X is free again while Y still runs its last job: X takes the next job now, not after Y has finished.
        await File.WriteAllTextAsync(firstFile, "");
        TestResult x = await first.Completion.WithinCeiling();
        TestResult next = await pool.Queue.RunAsync(new TestJob("double", 4)).WaitAsync(TestPool.WaitCeiling);

        Assert.Equal(x.ThreadName, next.ThreadName);
        Assert.NotEqual(quick.ThreadName, x.ThreadName);
        Assert.False(last.Completion.IsCompleted);
        await File.WriteAllTextAsync(lastFile, "");
        Assert.Equal(quick.ThreadName, (await last.Completion.WithinCeiling()).ThreadName);
    }

    [Fact]
    public async Task MaxJobsPerThread_FortyJobsOnOneProcessOfTwoThreads_ThreadsAndProcessesRotateAndEveryJobSucceedsOnce()
    {
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 2;
                o.MaxJobsPerThread = 5;
            },
            RecordingCollector.Register);

        MpmsJobHandle<TestResult>[] handles = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => pool.Queue.PutAsync(new TestJob("whoami", i)).AsTask()));
        TestResult[] results = await Task.WhenAll(handles.Select(h => h.Completion));
        pool.Pool.Complete();
        await pool.Pool.WaitForCompletionAsync();

        // Every job succeeded exactly once.
        Assert.Equal(Enumerable.Range(0, 40), results.Select(r => r.Value));
        IReadOnlyList<MpmsResult<TestJob, TestResult>> collected = RecordingCollector.Of(pool).Results;
        Assert.Equal(handles.Select(h => h.JobId).Order(StringComparer.Ordinal), collected.Select(r => r.JobId).Order(StringComparer.Ordinal));
        Assert.All(collected, r => Assert.Equal(MpmsJobStatus.Succeeded, r.Status));

        // A thread's life is its DI scope in its process: none ran more than five jobs, so at least eight lives ran them.
        var lives = results.GroupBy(r => (r.ProcessId, r.ThreadResourceId)).ToArray();
        Assert.All(lives, life => Assert.True(life.Count() <= 5, $"thread {life.First().ThreadName} of pid {life.Key.ProcessId} ran {life.Count()} jobs"));
        Assert.True(lives.Length >= 8, $"{lives.Length} thread lives");

        // Processes were replaced: more than one process ran jobs, numbered on from p1, one at a time.
        int[] processNumbers = results.Select(r => ProcessNumber(r.ThreadName!)).Distinct().Order().ToArray();
        Assert.True(processNumbers.Length >= 4, $"processes {string.Join(",", processNumbers)}");
        Assert.Equal(1, processNumbers[0]);
        Assert.Equal(processNumbers.Length, results.Select(r => r.ProcessId).Distinct().Count());
        Assert.True(pool.Pool.GetStats().Restarts >= 3, pool.Pool.GetStats().ToString());

        // Each process that reached its limit left as recycled, and a replacement kept the pool at one process.
        await pool.WaitUntilAsync(s => s.ProcessesReady == 1 && pool.Logged(1003).Count >= 4, "four recycled processes to be reaped and a replacement ready");
        Assert.All(pool.Logged(1003).Take(4), e => Assert.StartsWith("Recycled", (string)e.Field("Exit")!, StringComparison.Ordinal));
        Assert.Empty(pool.Logged(1004));
        Assert.Equal(1, pool.Pool.GetStats().ProcessesAlive);

        await pool.StopAsync();
        IReadOnlyList<WorkerEvent> events = pool.Events();
        IReadOnlyList<WorkerEvent> threadInits = events.Named("thread-init");
        IReadOnlyList<WorkerEvent> threadFins = events.Named("thread-fin");
        Assert.True(threadInits.Count >= 8, $"{threadInits.Count} thread initializers");
        Assert.True(threadFins.Count >= 8, $"{threadFins.Count} thread finalizers");

        // Every thread that ran jobs was initialised and finalised, on itself, and every process that ran jobs finalised.
        foreach (var thread in results.Select(r => (r.ProcessId, r.ThreadName)).Distinct())
        {
            Assert.Single(threadInits, e => e.ProcessId == thread.ProcessId && e.ThreadName == thread.ThreadName && e.Detail == thread.ThreadName);
            Assert.Single(threadFins, e => e.ProcessId == thread.ProcessId && e.ThreadName == thread.ThreadName && e.Detail == thread.ThreadName);
        }

        foreach (int processId in results.Select(r => r.ProcessId).Distinct())
        {
            Assert.Single(events, e => e.Name == "process-fin" && e.ProcessId == processId);
        }
    }

    [Fact]
    public async Task ThreadLifetime_Tiny_EachThreadTakesOneJobAndThreadsAndProcessesRotate()
    {
        // Each job runs longer than the lifetime, so the check before the next job always finds the thread too old. (The
        // lifetime leaves a thread time to be handed its first job; an idle thread leaves at its lifetime too.)
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.ThreadLifetime = TimeSpan.FromMilliseconds(250);
        });

        var results = new List<TestResult>();
        for (int i = 0; i < 4; i++)
        {
            results.Add(await pool.Queue.RunAsync(new TestJob("sleep", i, DelayMs: 500)).WithinCeiling());
        }

        Assert.Equal(4, results.Select(r => r.ProcessId).Distinct().Count());
        Assert.Equal(4, results.Select(r => r.ThreadName).Distinct().Count());
        Assert.All(results, r => Assert.Matches(@"^mpms-TestWorker-p\d+#t1$", r.ThreadName));
        await pool.WaitUntilAsync(s => s.Restarts >= 3 && pool.Logged(2008).Count >= 3, "three threads to reach their lifetime and their processes to be replaced");
        Assert.All(pool.Logged(2008), e => Assert.Equal("ThreadLifetimeReached", e.EventId.Name));
        Assert.Empty(pool.Logged(1004));
    }

    [Fact]
    public async Task ThreadLifetime_IdleThreadPastItsLifetime_DoesNotTakeTheNextJob()
    {
        // PARITY 13 says the lifetime is checked before a thread takes a job. Two threads: one runs a job that lasts far
        // longer than the lifetime, while the other idles. Both are then past their lifetime, so the next job must not
        // run on either of them: it runs in a new process.
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
            o.ThreadLifetime = TimeSpan.FromMilliseconds(300);
        });
        await pool.WaitForReadyAsync();

        TestResult first = await pool.Queue.RunAsync(new TestJob("sleep", 1, DelayMs: 900)).WithinCeiling();
        TestResult next = await pool.Queue.RunAsync(new TestJob("whoami", 2)).WithinCeiling();

        Assert.NotEqual(first.ProcessId, next.ProcessId);
    }

    [Fact]
    public async Task EveryThreadOfAProcessLeft_ProcessRunsItsFinalizersExitsAsRecycledAndIsReplaced()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
            o.MaxJobsPerThread = 1;
        });

        // Two held jobs: one per thread, each thread's last. The process leaves only when both are done.
        TestJob a = Jobs.HeldUntilReleased(pool, "a", 1);
        TestJob b = Jobs.HeldUntilReleased(pool, "b", 2);
        MpmsJobHandle<TestResult> handleA = await Jobs.PutRunningAsync(pool, a);
        MpmsJobHandle<TestResult> handleB = await Jobs.PutRunningAsync(pool, b);
        Jobs.Release(a);
        TestResult resultA = await handleA;
        Assert.Empty(pool.Events().Named("process-fin"));

        Jobs.Release(b);
        TestResult resultB = await handleB;
        Assert.Equal(resultA.ProcessId, resultB.ProcessId);
        await pool.WaitUntilAsync(s => s.ProcessesReady == 1 && s.Restarts == 1 && pool.Logged(1003).Count == 1, "the process to exit and its replacement to be ready");

        LogEntry exited = Assert.Single(pool.Logged(1003));
        Assert.Equal("ProcessExited", exited.EventId.Name);
        Assert.Equal("mpms-TestWorker-p1", exited.Field("ProcessName"));
        Assert.Equal(resultA.ProcessId, Convert.ToInt32(exited.Field("ProcessId"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("Recycled, exit code 0", exited.Field("Exit"));
        Assert.Equal(1, pool.Pool.GetStats().ProcessesAlive);

        IReadOnlyList<WorkerEvent> events = pool.Events();
        WorkerEvent processFin = Assert.Single(events.Named("process-fin"));
        Assert.Equal(resultA.ProcessId, processFin.ProcessId);
        Assert.Equal("mpms-TestWorker-p1", processFin.Detail);
        Assert.Equal(2, events.Named("thread-fin").Count(e => e.ProcessId == resultA.ProcessId));
        int finalizerAt = events.ToList().IndexOf(processFin);
        Assert.All(events.Named("thread-fin").Where(e => e.ProcessId == resultA.ProcessId), e => Assert.True(events.ToList().IndexOf(e) < finalizerAt));

        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 3));
        Assert.NotEqual(resultA.ProcessId, after.ProcessId);
        Assert.Matches(@"^mpms-TestWorker-p2#t[12]$", after.ThreadName);
    }

    private static int ProcessNumber(string threadName) =>
        int.Parse(ThreadNamePattern().Match(threadName).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^mpms-TestWorker-p(\d+)#t\d+$")]
    private static partial Regex ThreadNamePattern();
}
