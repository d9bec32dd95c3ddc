using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>
/// A worker that throws a graceful-die exception: its job fails with that exception, its process stops taking jobs
/// and is replaced at once, the jobs it still runs may finish within <c>GracefulDieTimeout</c>, and the ones that do
/// not are lost with <see cref="MpmsProcessExitReason.GracefulDie"/> when it exits after running its finalizers.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class GracefulDieTests
{
    /// <summary>The process's grace: long, so that the job released right after the process says it leaves finishes within it.</summary>
    private static readonly TimeSpan GracefulDieTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task GracefulDieException_ProcessLeavesAndIsReplaced_RunningJobsFinishWithinTheGraceOrAreLostAsGracefulDie()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 3;
            o.GracefulDieTimeout = GracefulDieTimeout;
        });
        string release = Path.Combine(pool.Directory, "release");
        MpmsJobHandle<TestResult> finishing = await pool.Queue.PutAsync(new TestJob("wait-file", 1, Path: release));
        MpmsJobHandle<TestResult> endless = await pool.Queue.PutAsync(new TestJob("wait", 2));
        IReadOnlyList<WorkerEvent> events = await pool.WaitForEventsAsync(e => e.Count(x => x.Name == "job-waiting") == 2, "two jobs running");
        int dying = events.First(x => x.Name == "job-waiting").ProcessId;

        MpmsWorkerException thrown = await Assert.ThrowsAsync<MpmsWorkerException>(() => pool.Queue.RunAsync(new TestJob("gracefuldie", 3)));
        Assert.Equal(typeof(MpmsGracefulDieException).FullName, thrown.RemoteType);
        Assert.Equal("die 3", thrown.Message);

        await pool.WaitUntilAsync(_ => pool.Logs.Entries.Any(e => e.EventId.Name == "ProcessLeaving"), "the process to say it leaves");
        Assert.Equal(MpmsProcessExitReason.GracefulDie, Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "ProcessLeaving").Value("Reason"));
        await File.WriteAllTextAsync(release, "go");
        TestResult finished = await finishing;
        Assert.Equal(dying, finished.ProcessId);

        // The replacement started while the process was still leaving, and takes the new jobs.
        await pool.WaitUntilAsync(s => s.Restarts == 1 && s.ProcessesReady == 1, "the replacement to be ready");
        TestResult next = await pool.Queue.RunAsync(new TestJob("double", 4));
        Assert.NotEqual(dying, next.ProcessId);

        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => endless.Completion);
        Assert.Equal(MpmsProcessExitReason.GracefulDie, lost.Reason);
        Assert.Equal(dying, lost.ProcessId);
        Assert.Equal(12, lost.ExitCode);
        Assert.Null(lost.Signal);

        // It ran its process finalizer before it exited.
        await pool.WaitUntilAsync(_ => pool.Logs.Entries.Any(e => e.EventId.Name == "ProcessEndedUnexpectedly"), "the process to exit");
        Assert.Contains(pool.Events(), e => e.Name == "process-fin" && e.ProcessId == dying);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(2, stats.Succeeded);
        Assert.Equal(1, stats.Failed);
        Assert.Equal(1, stats.WorkerLost);
    }

    /// <summary>
    /// A process that said it leaves holds only the jobs it runs: a job put afterwards waits for the replacement, so it
    /// cannot be lost with the leaving process. Here the leaving process is stopped (SIGSTOP) after it said so, and the
    /// pool kills it for its silence; the job put after that must still run, in the replacement.
    /// </summary>
    [Fact]
    public async Task JobPutAfterItsProcessSaidItLeaves_IsNotSentToThatProcess_AndRunsInTheReplacement()
    {
        const int SigStop = 19;
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
            o.GracefulDieTimeout = TimeSpan.FromSeconds(30);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
            o.HeartbeatTimeout = TimeSpan.FromSeconds(1.5);

            // The first replacement fails to start, the next one starts after the back-off: for a second or so the
            // leaving process is the only one a job could be sent to.
            o.WorkerEnvironment["TestWorker__FailProcessInitOfProcess"] = "2";
        });

        // A job that keeps the leaving process alive, so that it is still there when the next job is put.
        using WaitingJobs held = await WaitingJobs.StartAsync(pool, count: 1);
        int leaving = held.Running[0].ProcessId;
        await Assert.ThrowsAsync<MpmsWorkerException>(() => pool.Queue.RunAsync(new TestJob("gracefuldie", 1)));
        await pool.WaitUntilAsync(_ => pool.Logs.Entries.Any(e => e.EventId.Name == "ProcessLeaving"), "the process to say it leaves");
        ProcessProbe.Signal(leaving, SigStop);

        MpmsJobHandle<TestResult> after = await pool.Queue.PutAsync(new TestJob("double", 6));

        TestResult result = await after;
        Assert.Equal(12, result.Value);
        Assert.NotEqual(leaving, result.ProcessId);
        Assert.Equal(3, pool.StartedProcessIds.Count);
        Assert.Equal(pool.StartedProcessIds[2], result.ProcessId);
        // The job the stopped process was running is lost with it, as the pool killed it for its silence.
        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => held.Handles[0].Completion);
        Assert.Equal(MpmsProcessExitReason.HeartbeatTimeout, lost.Reason);
        Assert.Equal(leaving, lost.ProcessId);
    }
}
