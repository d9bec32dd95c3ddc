using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>
/// A poison job, one that kills whatever process runs it, with <c>OnWorkerLost: Retry</c>: it is tried exactly
/// <c>MaxAttempts</c> times, each in another process, then ends as worker-lost; the other jobs succeed meanwhile, and
/// the pool does not take the crashes for failed starts.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class PoisonJobTests
{
    private const int SigKill = 9;
    private const int MaxAttempts = 3;

    [Fact]
    public async Task CrashingJob_OnWorkerLostRetry_EndsWorkerLostAfterExactlyMaxAttempts_WhileTheOtherJobsSucceed()
    {
        // One thread per process and no prefetch: a process holds only the job it runs, so the poison job takes no
        // other job down with it and the count of its attempts is its own.
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 2;
            o.ThreadsPerProcess = 1;
            o.OnWorkerLost = MpmsWorkerLostPolicy.Retry;
            o.MaxAttempts = MaxAttempts;
        });
        await pool.WaitForReadyAsync();

        MpmsJobHandle<TestResult> poison = await pool.Queue.PutAsync(new TestJob("crash"));
        MpmsJobHandle<TestResult>[] others = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));

        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => poison.Completion);
        Assert.Equal(MpmsJobStatus.WorkerLost, poison.Status);
        Assert.Equal(MpmsProcessExitReason.Signaled, lost.Reason);
        Assert.Equal(SigKill, lost.Signal);
        TestResult[] results = await Task.WhenAll(others.Select(h => h.Completion));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i * 2), results.Select(r => r.Value));

        // Its event is written before it kills its process: three attempts, three processes, then no more.
        WorkerEvent[] crashes = pool.Events().Where(e => e.Name == "job-crashing" && e.Detail == poison.JobId).ToArray();
        Assert.Equal(MaxAttempts, crashes.Length);
        Assert.Equal(MaxAttempts, crashes.Select(e => e.ProcessId).Distinct().Count());
        Assert.Equal(crashes[^1].ProcessId, lost.ProcessId);
        LogEntry[] retried = pool.Logs.Entries.Where(e => e.EventId.Name == "JobRetried" && (string?)e.Value("JobId") == poison.JobId).ToArray();
        Assert.Equal([2, 3], retried.Select(e => (int)e.Value("Attempt")!));

        // Crashes after a process took jobs are not failed starts: no back-off, no failure, a full pool.
        await pool.WaitUntilAsync(s => s.Restarts == MaxAttempts && s.ProcessesReady == 2, "the crashed processes replaced");
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(MpmsPoolState.Running, stats.State);
        Assert.Equal(30, stats.Succeeded);
        Assert.Equal(1, stats.WorkerLost);
        Assert.Equal(0, stats.Failed);
        Assert.DoesNotContain(pool.Logs.Entries, e => e.EventId.Name is "StartFailed" or "PoolFailed");
        Assert.Equal(42, (await pool.Queue.RunAsync(new TestJob("double", 21))).Value);
    }
}
