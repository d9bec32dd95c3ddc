using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// PARITY 17, 18, 19: a process's exit is seen at once (not at the next check, as with <c>subproc_check_interval</c>),
/// while the interval drives the heartbeat checks; dead processes are replaced, with exponential back-off when they
/// keep failing to start; every exited child is reaped.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class SupervisionTests
{
    [Fact]
    public async Task ProcessExit_IsSeenAtOnceNotAtTheNextCheck_AndTheChildIsReapedAndReplaced()
    {
        // Checks every ten minutes: the replacement can only come from seeing the exit itself.
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.HeartbeatInterval = TimeSpan.FromMinutes(10);
            o.HeartbeatTimeout = TimeSpan.FromMinutes(20);
        });
        TestResult before = await pool.Queue.RunAsync(new TestJob("whoami", 1));

        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => pool.Queue.RunAsync(new TestJob("crash", 2)));
        await pool.WaitUntilAsync(s => s.Restarts == 1 && s.ProcessesReady == 1, "the crashed process to be replaced");

        Assert.Equal(before.ProcessId, lost.ProcessId);
        Assert.Equal(MpmsProcessExitReason.Signaled, lost.Reason);
        Assert.Null(ProcessProbe.State(before.ProcessId));
        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 3));
        Assert.NotEqual(before.ProcessId, after.ProcessId);
        Assert.Equal(2, pool.StartedProcessIds.Count);
    }

    [Fact]
    public async Task HeartbeatTimeout_ProcessStopsAnswering_IsKilledAsHungAndReplaced()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
            o.HeartbeatTimeout = TimeSpan.FromSeconds(1);
        });
        MpmsJobHandle<TestResult> running = await Jobs.PutRunningAsync(pool, new TestJob("wait", 1));
        int pid = Assert.Single(pool.StartedProcessIds);

        ProcessProbe.Signal(pid, 19); // SIGSTOP: alive, but silent
        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => running.Completion);
        await pool.WaitUntilAsync(s => s.Restarts == 1 && s.ProcessesReady == 1, "the hung process to be replaced");

        Assert.Equal(MpmsProcessExitReason.HeartbeatTimeout, lost.Reason);
        Assert.Equal(pid, lost.ProcessId);
        Assert.Equal("mpms-TestWorker-p1", Assert.Single(pool.Logged(1010)).Field("ProcessName"));
        Assert.Null(ProcessProbe.State(pid));
        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 2));
        Assert.NotEqual(pid, after.ProcessId);
    }

    [Fact]
    public async Task StartFailures_BackOffExponentially_AndShowInTheLogAndTheState()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.RestartDelay = TimeSpan.FromMilliseconds(100);
            o.MaxRestartDelay = TimeSpan.FromMinutes(1);
            o.MaxRestarts = 100;
            o.WorkerEnvironment["TestWorker__FailProcessInit"] = "true";
        });

        await pool.WaitUntilAsync(_ => pool.Logged(1005).Count >= 4, "four failed starts");

        // Each failed start waits longer than the one before (double, within the jitter), rather than looping hot.
        TimeSpan[] delays = pool.Logged(1005).Take(4).Select(e => (TimeSpan)e.Field("Delay")!).ToArray();
        Assert.Equal([1, 2, 3, 4], pool.Logged(1005).Take(4).Select(e => (int)e.Field("Failures")!));
        for (int i = 1; i < delays.Length; i++)
        {
            Assert.True(delays[i] > delays[i - 1], $"delays {string.Join(", ", delays)}");
        }

        Assert.InRange(delays[3], TimeSpan.FromMilliseconds(640), TimeSpan.FromMilliseconds(960));
        Assert.True(pool.StartedProcessIds.Count <= pool.Logged(1005).Count + 1, $"{pool.StartedProcessIds.Count} processes for {pool.Logged(1005).Count} failures");
        Assert.Equal((MpmsPoolState.Running, MpmsPoolHealth.Faulted), (pool.Pool.GetStats().State, pool.Pool.GetStats().Health));
    }
}
