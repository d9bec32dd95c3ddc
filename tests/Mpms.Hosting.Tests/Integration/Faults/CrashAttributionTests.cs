using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>
/// Why a worker process ended reaches the caller and the operator alike: the worker-lost outcome carries the reason,
/// exit code and signal, the supervisor's line the same reason, and the <c>mpms.process.restarts</c> metric the same
/// <c>mpms.process.exit_reason</c> tag. (<see cref="MpmsProcessExitReason.HeartbeatTimeout"/> is in
/// <see cref="HungWorkerTests"/>, <see cref="MpmsProcessExitReason.MemoryLimit"/> in <see cref="MemoryRecyclingTests"/>,
/// <see cref="MpmsProcessExitReason.GracefulDie"/> in <see cref="GracefulDieTests"/>.)
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class CrashAttributionTests
{
    private const int SigKill = 9;

    [Fact]
    public async Task Sigkill_FromOutside_LostAsSignaledWithSignal9_AndTheMetricSaysSignaled()
    {
        using var restarts = new RestartMeter();
        await using TestPool pool = await StartOneProcessAsync();
        using WaitingJobs held = await WaitingJobs.StartAsync(pool, count: 1);
        int victim = held.Running[0].ProcessId;

        ProcessProbe.Signal(victim, SigKill);

        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => held.Handles[0].Completion);
        Assert.Equal(MpmsProcessExitReason.Signaled, lost.Reason);
        Assert.Equal(SigKill, lost.Signal);
        Assert.Equal(128 + SigKill, lost.ExitCode);
        Assert.Equal(victim, lost.ProcessId);
        Assert.Contains("signal 9 (SIGKILL)", lost.Message, StringComparison.Ordinal);
        await AssertAttributedAsync(pool, restarts, victim, "Signaled, signal 9", "signaled");
    }

    [Fact]
    public async Task Sigterm_ToAWorkerAlone_DrainsAsTerminated_AndIsReplacedOnceItHasLeft()
    {
        using var restarts = new RestartMeter();
        await using TestPool pool = await StartOneProcessAsync();
        int victim = (await pool.Queue.RunAsync(new TestJob("whoami", 1))).ProcessId;

        ProcessProbe.Signal(victim, 15);

        await pool.WaitUntilAsync(s => s.Restarts == 1 && s.ProcessesReady == 1, "the terminated process's replacement to be ready");
        LogEntry exited = Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "ProcessExited" && Equals(e.Value("ProcessId"), victim));
        Assert.StartsWith("Terminated", (string?)exited.Value("Exit"), StringComparison.Ordinal);
        Assert.Equal(1, restarts["terminated"]);
        Assert.NotEqual(victim, (await pool.Queue.RunAsync(new TestJob("whoami", 2))).ProcessId);
    }

    [Fact]
    public async Task ExitCode3_WorkerCallsExit_LostAsExitedWithExitCode3_AndTheMetricSaysExited()
    {
        using var restarts = new RestartMeter();
        await using TestPool pool = await StartOneProcessAsync();
        await pool.WaitForReadyAsync();
        int pid = Assert.Single(pool.StartedProcessIds);

        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => pool.Queue.RunAsync(new TestJob("exit", 3)));
        Assert.Equal(MpmsProcessExitReason.Exited, lost.Reason);
        Assert.Equal(3, lost.ExitCode);
        Assert.Null(lost.Signal);
        Assert.Equal(pid, lost.ProcessId);
        await AssertAttributedAsync(pool, restarts, pid, "Exited, exit code 3", "exited");
    }

    [Fact]
    public async Task TaskOverrun_JobIgnoresItsTokenPastTheGrace_EndsTimedOut_ProcessIsRecycledAsJobTimeout_AndTheMetricSaysJobTimeout()
    {
        using var restarts = new RestartMeter();
        await using TestPool pool = await StartOneProcessAsync(o =>
        {
            o.JobTimeout = TimeSpan.FromSeconds(1);
            o.JobTimeoutGrace = TimeSpan.FromMilliseconds(500);
        });
        await pool.WaitForReadyAsync();
        int pid = Assert.Single(pool.StartedProcessIds);

        // "block" sleeps its thread and never looks at its token.
        MpmsJobTimeoutException timedOut = await Assert.ThrowsAsync<MpmsJobTimeoutException>(() => pool.Queue.RunAsync(new TestJob("block", DelayMs: 60_000)));
        Assert.Contains("ignored its token", timedOut.Message, StringComparison.Ordinal);
        Assert.Contains("recycled", timedOut.Message, StringComparison.Ordinal);
        await AssertAttributedAsync(pool, restarts, pid, "JobTimeout, exit code 13", "job_timeout");
        Assert.Equal(MpmsProcessExitReason.JobTimeout, Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "ProcessLeaving").Value("Reason"));
        Assert.Equal(1, pool.Pool.GetStats().TimedOut);
    }

    private static Task<TestPool> StartOneProcessAsync(Action<MpmsOptions>? configure = null) => TestPool.StartAsync(o =>
    {
        o.Processes = 1;
        o.ThreadsPerProcess = 2;
        configure?.Invoke(o);
    });

    /// <summary>The supervisor's line and the restart metric name the reason; the replacement takes jobs.</summary>
    private static async Task AssertAttributedAsync(TestPool pool, RestartMeter restarts, int pid, string exit, string tag)
    {
        await pool.WaitUntilAsync(s => s.Restarts == 1 && s.ProcessesReady == 1, "the replacement to be ready");
        LogEntry ended = Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "ProcessEndedUnexpectedly");
        Assert.Equal(pid, ended.Value("ProcessId"));
        Assert.StartsWith(exit, (string?)ended.Value("Exit"), StringComparison.Ordinal);
        Assert.Equal(1, restarts[tag]);
        Assert.Equal(1, restarts.ByReason.Values.Sum());
        TestResult next = await pool.Queue.RunAsync(new TestJob("double", 5));
        Assert.NotEqual(pid, next.ProcessId);
    }
}
