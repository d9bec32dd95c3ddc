using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.Tests.Integration.Parity;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>A host disposed without being stopped (or an exception thrown after StartAsync inside a using) still stops its pools.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class HostMisuseTests
{
    [Fact]
    public async Task Dispose_WithoutStop_StopsThePoolWithinTheShutdownTimeout_EveryJobGetsItsOutcome_AndNothingThrows()
    {
        await using TestPool pool = await StartAsync();
        (MpmsJobHandle<TestResult> running, MpmsJobHandle<TestResult> queued) = await PutRunningAndQueuedAsync(pool);

        pool.DisposeHostWithoutStopping();

        await AssertStoppedAsync(pool, running, queued);
    }

    [Fact]
    public async Task DisposeAsync_WithoutStop_StopsThePoolWithinTheShutdownTimeout_EveryJobGetsItsOutcome_AndNothingThrows()
    {
        await using TestPool pool = await StartAsync();
        (MpmsJobHandle<TestResult> running, MpmsJobHandle<TestResult> queued) = await PutRunningAndQueuedAsync(pool);

        await pool.DisposeHostWithoutStoppingAsync();

        await AssertStoppedAsync(pool, running, queued);
    }

    [Fact]
    public async Task DisposeAsync_WithoutStop_LetsRunningJobsFinishAsAStopWould()
    {
        await using TestPool pool = await TestPool.StartAsync(o => (o.Processes, o.ThreadsPerProcess) = (1, 1), shutdownTimeout: TimeSpan.FromSeconds(60));
        TestJob held = Jobs.HeldUntilReleased(pool, "held", 3);
        MpmsJobHandle<TestResult> running = await Jobs.PutRunningAsync(pool, held);

        Task disposing = pool.DisposeHostWithoutStoppingAsync().AsTask();
        await pool.WaitUntilAsync(s => s.State == MpmsPoolState.Completing, "the disposal to complete the queue");
        Assert.False(disposing.IsCompleted, "The disposal did not wait for the running job.");
        Jobs.Release(held);
        await disposing.WaitAsync(TestPool.WaitCeiling);

        Assert.Equal(3, (await running.Completion.WithinCeiling()).Value);
        Assert.Equal(MpmsPoolState.Stopped, pool.Pool.GetStats().State);
    }

    // One thread and a job that outlives the 300 ms shutdown timeout: the job must be killed, the one behind it canceled.
    private static Task<TestPool> StartAsync() =>
        TestPool.StartAsync(o => (o.Processes, o.ThreadsPerProcess) = (1, 1), shutdownTimeout: TimeSpan.FromMilliseconds(300));

    private static async Task<(MpmsJobHandle<TestResult> Running, MpmsJobHandle<TestResult> Queued)> PutRunningAndQueuedAsync(TestPool pool)
    {
        MpmsJobHandle<TestResult> running = await Jobs.PutRunningAsync(pool, new TestJob("wait", 1));
        MpmsJobHandle<TestResult> queued = await pool.Queue.PutAsync(new TestJob("double", 2));
        return (running, queued);
    }

    private static async Task AssertStoppedAsync(TestPool pool, MpmsJobHandle<TestResult> running, MpmsJobHandle<TestResult> queued)
    {
        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => running.Completion.WithinCeiling());
        Assert.Equal(MpmsProcessExitReason.Killed, lost.Reason);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.Completion.WithinCeiling());
        Assert.Equal(MpmsPoolState.Stopped, pool.Pool.GetStats().State);
        Assert.Empty(pool.Logged(1300));
        Assert.All(pool.StartedProcessIds, pid => Assert.False(ProcessProbe.IsAlive(pid), $"Worker process {pid} outlived the disposal."));
    }
}
