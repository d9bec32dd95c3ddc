using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// A worker process killed from outside: the jobs it was running end as worker-lost, nothing else is lost, and the
/// supervisor reaps it and starts a replacement.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ProcessCrashTests
{
    private const int SigKill = 9;

    [Fact]
    public async Task Crash_WorkerStartedAProcessThatKeepsItsOutputOpen_TheJobStillEndsLostAndAReplacementRunsJobs()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.CaptureWorkerOutput = true;
        });
        string pidFile = Path.Combine(pool.Directory, "orphan.pid");
        int orphan = 0;
        try
        {
            MpmsJobHandle<TestResult> crashing = await pool.Queue.PutAsync(new TestJob("spawn-then-crash", Path: pidFile));

            // The worker's output pipes stay open in the orphan: the outcome must not wait for them to close.
            MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => crashing.Completion.WaitAsync(TestPool.WaitCeiling));
            Assert.Equal(SigKill, lost.Signal);
            orphan = int.Parse(await File.ReadAllTextAsync(pidFile), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(ProcessProbe.IsAlive(orphan), $"the process {orphan} the worker started should still hold its output open");

            TestResult after = await pool.Queue.RunAsync(new TestJob("double", 21)).WaitAsync(TestPool.WaitCeiling);
            Assert.Equal(42, after.Value);
        }
        finally
        {
            if (orphan > 0)
            {
                ProcessProbe.Signal(orphan, SigKill);
            }
        }
    }

    [Fact]
    public async Task Sigkill_ChildRunningJobs_ItsJobsAreLostAReplacementStartsAndAllOtherJobsSucceed()
    {
        await using TestPool pool = await TestPool.StartAsync(); // 2 processes × 2 threads

        // Every thread holds one job, so each process runs exactly two and nothing else is with them.
        using WaitingJobs held = await WaitingJobs.StartAsync(pool, count: 4);
        int victim = held.Running[0].ProcessId;
        int survivor = Assert.Single(held.Running.Select(e => e.ProcessId).Distinct(), pid => pid != victim);
        string victimName = held.Running[0].ThreadName[..held.Running[0].ThreadName.IndexOf('#')];
        MpmsJobHandle<TestResult>[] victimJobs = held.Handles.Where((_, i) => held.Running[i].ProcessId == victim).ToArray();
        MpmsJobHandle<TestResult>[] survivorJobs = held.Handles.Where((_, i) => held.Running[i].ProcessId == survivor).ToArray();
        Assert.Equal(2, victimJobs.Length);
        Assert.Equal(2, survivorJobs.Length);

        // Jobs no thread started — in the application's queue, or held ahead by a busy process (prefetch): the kill must
        // not lose them, and the survivor, busy, must not keep them from the replacement.
        MpmsJobHandle<TestResult>[] queued = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));
        MpmsPoolStats beforeKill = pool.Pool.GetStats();
        Assert.Equal(4 + 3, beforeKill.Queued + beforeKill.Running);

        ProcessProbe.Signal(victim, SigKill);

        foreach (MpmsJobHandle<TestResult> job in victimJobs)
        {
            MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => job.Completion);
            Assert.Equal(SigKill, lost.Signal);
            Assert.Equal(MpmsProcessExitReason.Signaled, lost.Reason);
            Assert.Equal(victim, lost.ProcessId);
            Assert.Equal(victimName, lost.ProcessName);
            Assert.Equal(MpmsJobStatus.WorkerLost, job.Status);
        }

        await pool.WaitUntilAsync(s => s.Restarts >= 1 && s.ProcessesReady == 2, "a replacement is ready");
        Assert.Equal(3, pool.StartedProcessIds.Count);
        int replacement = pool.StartedProcessIds[2];
        Assert.False(ProcessProbe.IsAlive(victim), $"the killed process {victim} was not reaped");

        // The queued jobs ran on the replacement (the survivor's threads are still held); then the held jobs finish.
        TestResult[] fromQueue = await Task.WhenAll(queued.Select(h => h.Completion));
        Assert.Equal([0, 2, 4], fromQueue.Select(r => r.Value));
        Assert.All(fromQueue, r => Assert.Equal(replacement, r.ProcessId));

        held.Release();
        TestResult[] fromSurvivor = await Task.WhenAll(survivorJobs.Select(h => h.Completion));
        Assert.All(fromSurvivor, r => Assert.Equal(survivor, r.ProcessId));

        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(2, stats.WorkerLost);
        Assert.Equal(5, stats.Succeeded);
        Assert.Equal(0, stats.Failed);
        Assert.Equal(1, stats.Restarts);
        Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "ProcessEndedUnexpectedly" && Equals(e.Value("ProcessId"), victim));
    }
}
