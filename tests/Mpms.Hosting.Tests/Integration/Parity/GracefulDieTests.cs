using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// PARITY 23, 24: a job that throws <see cref="MpmsGracefulDieException"/> or a type listed in
/// <c>GracefulDieExceptions</c> (<c>worker_graceful_die_exceptions</c>) fails with that exception, and its process
/// stops taking jobs, leaves and is replaced; a job still running after <c>GracefulDieTimeout</c>
/// (<c>worker_graceful_die_timeout</c>) ends as worker lost.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class GracefulDieTests
{
    [Fact]
    public async Task GracefulDieException_ThrownByAJob_IsItsOutcomeAndTheProcessStopsTakingJobsAndIsReplaced()
    {
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 2;
            },
            RecordingCollector.Register);
        TestJob held = Jobs.HeldUntilReleased(pool, "held", 1);
        MpmsJobHandle<TestResult> heldHandle = await Jobs.PutRunningAsync(pool, held);

        MpmsJobHandle<TestResult> die = await pool.Queue.PutAsync(new TestJob("gracefuldie", 2));
        MpmsWorkerException error = await Assert.ThrowsAsync<MpmsWorkerException>(() => die.Completion);
        Assert.Equal(typeof(MpmsGracefulDieException).FullName, error.RemoteType);
        Assert.Equal("die 2", error.Message);
        Assert.Equal(MpmsJobStatus.Failed, die.Status);

        // The dying process still runs its held job, but neither of its threads takes another one.
        TestResult[] during = await Task.WhenAll(Enumerable.Range(10, 6).Select(i => pool.Queue.RunAsync(new TestJob("whoami", i))));
        Jobs.Release(held);
        TestResult heldResult = await heldHandle;
        Assert.All(during, r => Assert.NotEqual(heldResult.ProcessId, r.ProcessId));
        Assert.All(during, r => Assert.StartsWith("mpms-TestWorker-p2#", r.ThreadName, StringComparison.Ordinal));

        await pool.WaitUntilAsync(s => s.Restarts == 1 && pool.Logged(1004).Count == 1, "the dying process to exit");
        LogEntry ended = Assert.Single(pool.Logged(1004));
        Assert.Equal("mpms-TestWorker-p1", ended.Field("ProcessName"));
        Assert.StartsWith("GracefulDie", (string)ended.Field("Exit")!, StringComparison.Ordinal);
        Assert.Equal(typeof(MpmsGracefulDieException).FullName, Assert.Single(pool.Logged(2010)).Field("ExceptionType"));
        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 20));
        Assert.NotEqual(heldResult.ProcessId, after.ProcessId);

        pool.Pool.Complete();
        await pool.Pool.WaitForCompletionAsync();
        IReadOnlyList<MpmsResult<TestJob, TestResult>> collected = RecordingCollector.Of(pool).Results;
        Assert.Equal(9, collected.Count);
        Assert.Equal(9, collected.Select(r => r.JobId).Distinct().Count());
        Assert.Equal(MpmsJobStatus.Failed, Assert.Single(collected, r => r.JobId == die.JobId).Status);
        Assert.Equal(8, collected.Count(r => r.Succeeded));
        Assert.Equal(heldResult.ProcessId, Assert.Single(collected, r => r.JobId == die.JobId).ProcessId);
    }

    [Fact]
    public async Task GracefulDieExceptions_ConfiguredType_ActsLikeGracefulDieAndOtherTypesDoNot()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.GracefulDieExceptions.Add("System.InvalidOperationException");
        });
        TestResult first = await pool.Queue.RunAsync(new TestJob("whoami", 1));

        // An exception type that is not listed fails its job only.
        MpmsWorkerException other = await Assert.ThrowsAsync<MpmsWorkerException>(() => pool.Queue.RunAsync(new TestJob("no-such-op", 2)));
        Assert.Equal("System.ArgumentException", other.RemoteType);
        TestResult second = await pool.Queue.RunAsync(new TestJob("whoami", 3));
        Assert.Equal(first.ProcessId, second.ProcessId);

        // A listed one fails its job and recycles the process.
        MpmsJobHandle<TestResult> listed = await pool.Queue.PutAsync(new TestJob("throw", 4));
        MpmsWorkerException error = await Assert.ThrowsAsync<MpmsWorkerException>(() => listed.Completion);
        Assert.Equal("System.InvalidOperationException", error.RemoteType);
        Assert.Equal("boom 4", error.Message);
        Assert.Equal(MpmsJobStatus.Failed, listed.Status);
        TestResult third = await pool.Queue.RunAsync(new TestJob("whoami", 5));

        Assert.NotEqual(first.ProcessId, third.ProcessId);
        Assert.StartsWith("mpms-TestWorker-p2#", third.ThreadName, StringComparison.Ordinal);
        await pool.WaitUntilAsync(s => s.Restarts == 1 && pool.Logged(1004).Count == 1, "the process to exit");
        Assert.StartsWith("GracefulDie", (string)pool.Logged(1004)[0].Field("Exit")!, StringComparison.Ordinal);
        Assert.Equal("System.InvalidOperationException", Assert.Single(pool.Logged(2010)).Field("ExceptionType"));
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((3L, 2L, 0L), (stats.Succeeded, stats.Failed, stats.WorkerLost));
    }

    [Fact]
    public async Task GracefulDieTimeout_JobStillRunningInTheDyingProcess_EndsAsWorkerLost()
    {
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 2;
                o.GracefulDieTimeout = TimeSpan.FromMilliseconds(300);
            },
            RecordingCollector.Register);
        MpmsJobHandle<TestResult> running = await Jobs.PutRunningAsync(pool, new TestJob("wait", 1));
        int processId = pool.Events().Single(e => e.Detail == running.JobId).ProcessId;

        MpmsJobHandle<TestResult> die = await pool.Queue.PutAsync(new TestJob("gracefuldie", 2));
        await Assert.ThrowsAsync<MpmsWorkerException>(() => die.Completion);
        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => running.Completion);

        Assert.Equal(MpmsJobStatus.WorkerLost, running.Status);
        Assert.Equal(MpmsProcessExitReason.GracefulDie, lost.Reason);
        Assert.Equal(processId, lost.ProcessId);
        Assert.Equal("mpms-TestWorker-p1", lost.ProcessName);
        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 3));
        Assert.NotEqual(processId, after.ProcessId);

        pool.Pool.Complete();
        await pool.Pool.WaitForCompletionAsync();
        IReadOnlyList<MpmsResult<TestJob, TestResult>> collected = RecordingCollector.Of(pool).Results;
        Assert.Equal(
            [(die.JobId, MpmsJobStatus.Failed), (running.JobId, MpmsJobStatus.WorkerLost), (after.JobId!, MpmsJobStatus.Succeeded)],
            collected.Select(r => (r.JobId, r.Status)));
    }
}
