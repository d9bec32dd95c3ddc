using Microsoft.Extensions.DependencyInjection;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.Tests.Integration.Parity;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// <see cref="MpmsExecutionMode.InProcess"/>: the TestWorker's worker, initializers and finalizers run in this process,
/// on the pool's named worker threads, with the outcomes worker processes give; no process is started.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class InProcessModeTests
{
    [Fact]
    public async Task RunAsync_InProcess_RunsOnAWorkerThreadOfThisProcessAfterItsInitializers()
    {
        await using TestPool pool = await TestPool.StartAsync(inProcess: true);
        await pool.WaitForReadyAsync();

        TestResult result = await pool.Queue.RunAsync(new TestJob("whoami", 1));

        Assert.Equal(Environment.ProcessId, result.ProcessId);
        Assert.Equal(Environment.ProcessId, result.ProcessInitializerProcessId);
        Assert.Matches("^mpms-TestWorker-p[12]#t[12]$", result.ThreadName);
        Assert.Equal(result.ManagedThreadId, result.ThreadInitializerThreadId);
        Assert.Equal(result.ManagedThreadId, result.ManagedThreadIdAfterAwait);
        Assert.Empty(pool.StartedProcessIds);
        Assert.Equal(2, pool.Pool.GetStats().ProcessesReady);
        LogEntry warning = Assert.Single(pool.Logged(1310));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Equal("TestWorker", warning.Field("Pool"));
    }

    [Fact]
    public async Task Stop_InProcess_RunsEveryThreadFinalizerOnItsThreadThenEveryProcessFinalizer()
    {
        await using TestPool pool = await TestPool.StartAsync(inProcess: true);
        await pool.WaitForReadyAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => pool.Queue.RunAsync(new TestJob("double", i))));

        await pool.StopAsync();

        IReadOnlyList<WorkerEvent> events = pool.Events();
        Assert.Equal(["mpms-TestWorker-p1", "mpms-TestWorker-p2"], events.Named("process-init").Select(e => e.Detail).Order());
        Assert.Equal(["mpms-TestWorker-p1", "mpms-TestWorker-p2"], events.Named("process-fin").Select(e => e.Detail).Order());
        IReadOnlyList<WorkerEvent> threadInits = events.Named("thread-init");
        Assert.Equal(4, threadInits.Count);
        foreach (WorkerEvent init in threadInits)
        {
            WorkerEvent fin = Assert.Single(events.Named("thread-fin"), e => e.Detail == init.Detail);
            Assert.Equal((init.ManagedThreadId, init.ThreadName), (fin.ManagedThreadId, fin.ThreadName));
        }

        Assert.All(events, e => Assert.Equal(Environment.ProcessId, e.ProcessId));
        List<WorkerEvent> order = [.. events];
        foreach (WorkerEvent processFin in events.Named("process-fin"))
        {
            int lastOfItsThreads = order.FindLastIndex(e => e.Name == "thread-fin" && e.Detail.StartsWith(processFin.Detail + "#", StringComparison.Ordinal));
            Assert.True(order.IndexOf(processFin) > lastOfItsThreads, $"{processFin.Detail} ran its process finalizer before a thread finalizer.");
        }
    }

    [Fact]
    public async Task Outcomes_InProcess_AreThoseOfWorkerProcesses()
    {
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.JobTimeout = TimeSpan.FromMilliseconds(200);
            },
            inProcess: true);

        MpmsWorkerException failed = await Assert.ThrowsAsync<MpmsWorkerException>(() => pool.Queue.RunAsync(new TestJob("throw", 7)));
        MpmsJobHandle<TestResult> unserializable = await pool.Queue.PutAsync(new TestJob("unserializable"));
        await Assert.ThrowsAsync<MpmsSerializationException>(() => unserializable.Completion);
        MpmsJobHandle<TestResult> timedOut = await pool.Queue.PutAsync(new TestJob("sleep", DelayMs: 600_000));
        await Assert.ThrowsAsync<MpmsJobTimeoutException>(() => timedOut.Completion);
        MpmsJobHandle<TestResult> canceled = await Jobs.PutRunningAsync(pool, new TestJob("wait"));
        canceled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Completion);

        Assert.Equal(typeof(InvalidOperationException).FullName, failed.RemoteType);
        Assert.Equal("boom 7", failed.Message);
        Assert.Equal(
            (MpmsJobStatus.Failed, MpmsJobStatus.TimedOut, MpmsJobStatus.Canceled),
            (unserializable.Status, timedOut.Status, canceled.Status));
    }

    [Fact]
    public async Task GracefulDie_InProcess_ItsProcessLeavesAndAReplacementRunsItsOwnProcessInitializer()
    {
        await using TestPool pool = await TestPool.StartAsync(o => (o.Processes, o.ThreadsPerProcess) = (1, 1), inProcess: true);

        await Assert.ThrowsAsync<MpmsWorkerException>(() => pool.Queue.RunAsync(new TestJob("gracefuldie", 1)));
        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 2));

        Assert.Equal("mpms-TestWorker-p2#t1", after.ThreadName);
        IReadOnlyList<WorkerEvent> events = await pool.WaitForEventsAsync(e => e.Named("process-fin").Count == 1, "the first process's finalizer");
        Assert.Equal(["mpms-TestWorker-p1", "mpms-TestWorker-p2"], events.Named("process-init").Select(e => e.Detail));
        Assert.Equal("mpms-TestWorker-p1", Assert.Single(events.Named("process-fin")).Detail);
        Assert.Equal(1, pool.Pool.GetStats().Restarts);
    }

    [Fact]
    public async Task ShutdownAsync_InProcessJobOutlivesTheTimeout_EndsWorkerLostAndItsThreadEndsWhenTheJobReturns()
    {
        await using TestPool pool = await TestPool.StartAsync(o => (o.Processes, o.ThreadsPerProcess) = (1, 1), inProcess: true);
        TestJob blocked = Jobs.BlockedUntilReleased(pool, "blocked");
        MpmsJobHandle<TestResult> running = await Jobs.PutRunningAsync(pool, blocked);

        bool finished = await pool.Pool.ShutdownAsync(TimeSpan.FromMilliseconds(100));

        Assert.False(finished);
        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => running.Completion);
        Assert.Equal(MpmsProcessExitReason.Killed, lost.Reason);
        Assert.Equal("mpms-TestWorker-p1", Assert.Single(pool.Logged(1311)).Field("ProcessName"));

        // The thread cannot be aborted: it finishes the job, drops its result, and runs its finalizers.
        Jobs.Release(blocked);
        IReadOnlyList<WorkerEvent> events = await pool.WaitForEventsAsync(e => e.Named("process-fin").Count == 1, "the cut-off process's finalizer");
        Assert.Single(events.Named("thread-fin"));
        Assert.Equal(MpmsJobStatus.WorkerLost, running.Status);
    }

    [Fact]
    public async Task RunAsync_InProcess_JobSeesTheApplicationsOwnServices()
    {
        var marker = new ApplicationMarker();
        await using TestPool pool = await TestPool.StartAsync(
            o => o.Processes = 1,
            services => services.AddSingleton<IProcessInitializer>(marker),
            inProcess: true);

        await pool.Queue.RunAsync(new TestJob("double", 1));

        // The very instance registered in this test's container ran: what a test registers reaches the workers.
        Assert.Equal(["mpms-TestWorker-p1"], marker.Processes);
    }

    /// <summary>A process initializer instance the test holds: it records the processes it ran in.</summary>
    private sealed class ApplicationMarker : IProcessInitializer
    {
        public List<string> Processes { get; } = [];

        public ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken)
        {
            lock (Processes)
            {
                Processes.Add(context.ProcessName);
            }

            return ValueTask.CompletedTask;
        }
    }
}
