using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// PARITY 6, 7, 25, 26, 27, 28: <c>Complete()</c> (<c>close()</c>), <c>WaitForCompletionAsync</c> (<c>join()</c>),
/// <c>ShutdownAsync</c> and the host's stop (<c>graceful_shutdown</c>), the counters (<c>total_count</c>,
/// <c>finish_count</c>), and the pool that starts once (<c>start()</c> twice).
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ClosingTests
{
    [Fact]
    public async Task Complete_ThenPut_FailsSayingThePoolIsCompleted()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1);
        TestResult before = await pool.Queue.RunAsync(new TestJob("double", 1));

        pool.Pool.Complete();

        MpmsQueueCompletedException put = await Assert.ThrowsAsync<MpmsQueueCompletedException>(() => pool.Queue.PutAsync(new TestJob("double", 2)).AsTask());
        MpmsQueueCompletedException tryPut = Assert.Throws<MpmsQueueCompletedException>(() => pool.Queue.TryPut(new TestJob("double", 3), out _));
        MpmsQueueCompletedException run = await Assert.ThrowsAsync<MpmsQueueCompletedException>(() => pool.Queue.RunAsync(new TestJob("double", 4)));
        MpmsQueueCompletedException routed = await Assert.ThrowsAsync<MpmsQueueCompletedException>(() => pool.RoutingQueue.RunAsync(new TestJob("double", 5)));
        Assert.All([put, tryPut, run, routed], e =>
        {
            Assert.Contains("'TestWorker' is completed", e.Message, StringComparison.Ordinal);
            Assert.Contains("Complete()", e.Message, StringComparison.Ordinal);
        });
        Assert.Equal(2, before.Value);
        Assert.Equal(1, pool.Pool.GetStats().Accepted);
        await pool.Pool.WaitForCompletionAsync();
    }

    [Fact]
    public async Task WaitForCompletionAsync_CompletesOnlyOnceEveryJobHasItsOutcomeAndTheCollectorHasSeenIt()
    {
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 2;
            },
            RecordingCollector.Register);
        RecordingCollector collector = RecordingCollector.Of(pool);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        collector.Gate = gate.Task;

        TestJob held = Jobs.HeldUntilReleased(pool, "held");
        MpmsJobHandle<TestResult> heldHandle = await Jobs.PutRunningAsync(pool, held);
        MpmsJobHandle<TestResult>[] quick = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));
        await Task.WhenAll(quick.Select(h => h.Completion));
        Task completion = pool.Pool.WaitForCompletionAsync();

        // Not completed: the queue takes jobs still.
        Assert.False(completion.IsCompleted);
        pool.Pool.Complete();

        // Completed, but a job still runs.
        Assert.False(completion.IsCompleted);
        Jobs.Release(held);
        await heldHandle;
        await pool.WaitUntilAsync(s => s.Finished == 4, "every outcome to be counted");

        // Every job has its outcome, but the collector has seen none of them yet.
        Assert.False(completion.IsCompleted);
        Assert.Empty(collector.Results);
        gate.SetResult();
        await completion;
        Assert.Equal(4, collector.Results.Count);
    }

    [Fact]
    public async Task ShutdownAsync_EveryJobFinishesInTime_ReturnsTrueAndStartsNoProcessAgain()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
        });
        TestJob held = Jobs.HeldUntilReleased(pool, "held");
        MpmsJobHandle<TestResult> heldHandle = await Jobs.PutRunningAsync(pool, held);
        MpmsJobHandle<TestResult>[] queued = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));

        Task<bool> shutdown = pool.Pool.ShutdownAsync(TestPool.WaitCeiling);
        Assert.False(shutdown.IsCompleted);
        Jobs.Release(held);

        Assert.True(await shutdown);
        Assert.Equal(MpmsJobStatus.Succeeded, heldHandle.Status);
        Assert.All(queued, h => Assert.Equal(MpmsJobStatus.Succeeded, h.Status));
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((7L, 0, 0L, 0L), (stats.Succeeded, stats.ProcessesAlive, stats.Restarts, stats.WorkerLost));
        Assert.Single(pool.StartedProcessIds);
        Assert.Equal("Shutdown, exit code 0", Assert.Single(pool.Logged(1003)).Field("Exit"));
        Assert.Equal(true, Assert.Single(pool.Logged(1020)).Field("Drained"));
    }

    [Fact]
    public async Task ShutdownAsync_JobOutlivesTheTimeout_ReturnsFalseAndTheJobEndsWorkerLost()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
        });
        MpmsJobHandle<TestResult> running = await Jobs.PutRunningAsync(pool, new TestJob("wait", 1));

        bool finished = await pool.Pool.ShutdownAsync(TimeSpan.FromMilliseconds(300));

        Assert.False(finished);
        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => running.Completion);
        Assert.Equal(MpmsProcessExitReason.Killed, lost.Reason);
        Assert.Equal(MpmsJobStatus.WorkerLost, running.Status);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((1L, 0, 0L), (stats.WorkerLost, stats.ProcessesAlive, stats.Restarts));
        Assert.Single(pool.StartedProcessIds);
        Assert.Single(pool.Logged(1021));
        Assert.Equal(false, Assert.Single(pool.Logged(1020)).Field("Drained"));
    }

    /// <summary>One process of one thread, a 300 ms host shutdown timeout, and a job running that only its token ends.</summary>
    private static async Task<(TestPool Pool, MpmsJobHandle<TestResult> Running)> StartWithJobPastTheShutdownTimeoutAsync()
    {
        TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 1;
            },
            shutdownTimeout: TimeSpan.FromMilliseconds(300));
        try
        {
            return (pool, await Jobs.PutRunningAsync(pool, new TestJob("wait", 1)));
        }
        catch
        {
            await pool.DisposeAsync();
            throw;
        }
    }

    [Fact]
    public async Task HostStop_WhileALongerShutdownAsyncWaits_ItsShorterTimeoutEndsTheStopForBoth()
    {
        (TestPool pool, MpmsJobHandle<TestResult> running) = await StartWithJobPastTheShutdownTimeoutAsync();
        await using TestPool _ = pool;
        Task<bool> patient = pool.Pool.ShutdownAsync(TimeSpan.FromHours(1));

        await pool.StopAsync().WaitAsync(TestPool.WaitCeiling);

        Assert.False(await patient.WaitAsync(TestPool.WaitCeiling));
        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => running.Completion);
        Assert.Equal(MpmsProcessExitReason.Killed, lost.Reason);
        Assert.Single(pool.Logged(1021));
    }

    [Fact]
    public async Task HostStop_JobOutlivesTheShutdownTimeout_IsKilledAndEndsWorkerLost()
    {
        (TestPool pool, MpmsJobHandle<TestResult> running) = await StartWithJobPastTheShutdownTimeoutAsync();
        await using TestPool _ = pool;

        await pool.StopAsync();

        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => running.Completion);
        Assert.Equal(MpmsProcessExitReason.Killed, lost.Reason);
        Assert.Equal(MpmsJobStatus.WorkerLost, running.Status);
        Assert.Single(pool.Logged(1021));
        Assert.Equal(0, pool.Pool.GetStats().ProcessesAlive);
        Assert.Equal(false, Assert.Single(pool.Logged(1020)).Field("Drained"));
    }

    [Fact]
    public async Task GetStats_KnownRun_EveryCounterMatches()
    {
        // The held job ignores its token and the grace is long, so only the job meant to time out does.
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 1;
                o.Prefetch = 0; // jobs behind the held one wait in the application's queue, where Queued counts them
                o.JobTimeout = TimeSpan.FromMilliseconds(300);
                o.JobTimeoutGrace = TimeSpan.FromSeconds(60);
                o.RestartWindow = TimeSpan.FromHours(1); // the one restart stays in the window however slow the machine
            },
            shutdownTimeout: TimeSpan.FromSeconds(5));
        await pool.WaitForReadyAsync();
        Assert.Equal(
            new MpmsPoolStats { PoolName = "TestWorker", State = MpmsPoolState.Running, QueueCapacity = 33, ProcessesConfigured = 1, ProcessesAlive = 1, ProcessesReady = 1 },
            pool.Pool.GetStats());

        await Assert.ThrowsAsync<MpmsWorkerException>(() => pool.Queue.RunAsync(new TestJob("throw", 1)).WithinCeiling());
        await Assert.ThrowsAsync<MpmsJobTimeoutException>(() => pool.Queue.RunAsync(new TestJob("sleep", 2, DelayMs: 600_000)).WithinCeiling());
        await Assert.ThrowsAsync<MpmsWorkerLostException>(() => pool.Queue.RunAsync(new TestJob("crash", 3)).WithinCeiling());
        await pool.WaitUntilAsync(s => s.ProcessesReady == 1, "the crashed process to be replaced");

        // One job runs on the only thread; two wait behind it; one more waits and is canceled there.
        TestJob held = Jobs.BlockedUntilReleased(pool, "held", 4);
        MpmsJobHandle<TestResult> heldHandle = await Jobs.PutRunningAsync(pool, held);
        MpmsJobHandle<TestResult> fifth = await pool.Queue.PutAsync(new TestJob("double", 5));
        MpmsJobHandle<TestResult> sixth = await pool.Queue.PutAsync(new TestJob("double", 6));
        MpmsJobHandle<TestResult> canceled = await pool.Queue.PutAsync(new TestJob("double", 7));
        canceled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Completion);
        MpmsPoolStats waiting = pool.Pool.GetStats();
        Assert.NotNull(waiting.OldestQueuedJobAge);
        Assert.Equal(
            new MpmsPoolStats
            {
                PoolName = "TestWorker",
                State = MpmsPoolState.Running,
                Accepted = 7,
                Queued = 2,
                QueueCapacity = 33,
                Running = 1,
                Failed = 1,
                TimedOut = 1,
                WorkerLost = 1,
                Canceled = 1,
                ProcessesConfigured = 1,
                ProcessesAlive = 1,
                ProcessesReady = 1,
                Restarts = 1,
                RestartsInWindow = 1,
            },
            waiting with { OldestQueuedJobAge = null });

        Jobs.Release(held);
        await Task.WhenAll(heldHandle.Completion, fifth.Completion, sixth.Completion).WaitAsync(TestPool.WaitCeiling);

        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(
            new MpmsPoolStats
            {
                PoolName = "TestWorker",
                State = MpmsPoolState.Running,
                Accepted = 7,
                Queued = 0,
                Running = 0,
                Succeeded = 3,
                Failed = 1,
                TimedOut = 1,
                WorkerLost = 1,
                Canceled = 1,
                QueueCapacity = 33,
                ProcessesConfigured = 1,
                ProcessesAlive = 1,
                ProcessesReady = 1,
                Restarts = 1,
                RestartsInWindow = 1,
            },
            stats);
        Assert.Equal(7, stats.Finished);
    }

    [Fact]
    public async Task HostStartAgain_SamePool_FailsSayingItHasAlreadyBeenStartedAndThePoolGoesOn()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
        });
        TestResult before = await pool.Queue.RunAsync(new TestJob("whoami", 1));

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Host.StartAsync());
        Assert.Contains("'TestWorker' has already been started", error.Message, StringComparison.Ordinal);

        // The failed start changed nothing: jobs run, and a process that dies is replaced.
        TestResult same = await pool.Queue.RunAsync(new TestJob("whoami", 2));
        Assert.Equal(before.ProcessId, same.ProcessId);
        await Assert.ThrowsAsync<MpmsWorkerLostException>(() => pool.Queue.RunAsync(new TestJob("crash", 3)));
        await pool.WaitUntilAsync(s => s.Restarts == 1 && s.ProcessesReady == 1, "the crashed process's replacement to be ready");
        TestResult replaced = await pool.Queue.RunAsync(new TestJob("whoami", 4));
        Assert.NotEqual(before.ProcessId, replaced.ProcessId);
    }
}
