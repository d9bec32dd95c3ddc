using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// A worker records that a job held ahead started in memory the application maps too, not in a frame; when the process
/// dies, the application reads that memory to tell the jobs it held that started (they may have had effects: lost, or
/// retried by policy) from those that never did (back to the queue, run once elsewhere).
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class StartMarksTests
{
    private const int Burst = 20;

    [Fact]
    public async Task Sigkill_RightAfterABurstOfJobsEnded_NoJobRunsTwice_AndOnlyJobsThatNeverStartedThereRunElsewhere()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
            o.Prefetch = 32;
            o.QueueCapacity = 100;
        });
        await pool.WaitForReadyAsync();

        // Short jobs, one that kills its own process among them, and more behind it: whatever the worker had finished
        // and not yet written when it died, started there, and whatever it held and had not started, did not.
        var jobs = new List<MpmsJobHandle<TestResult>>();
        for (int i = 0; i < Burst; i++)
        {
            jobs.Add(await pool.Queue.PutAsync(new TestJob("mark", i)));
        }

        MpmsJobHandle<TestResult> crash = await pool.Queue.PutAsync(new TestJob("crash"));
        for (int i = 0; i < Burst; i++)
        {
            jobs.Add(await pool.Queue.PutAsync(new TestJob("mark", Burst + i)));
        }

        await Assert.ThrowsAsync<MpmsWorkerLostException>(() => crash.Completion);
        int victim = pool.Events().Single(e => e.Name == "job-crashing").ProcessId;
        var outcomes = new List<(string JobId, TestResult? Result)>();
        foreach (MpmsJobHandle<TestResult> job in jobs)
        {
            try
            {
                outcomes.Add((job.JobId, await job.Completion));
            }
            catch (MpmsWorkerLostException)
            {
                outcomes.Add((job.JobId, null));
            }
        }

        ILookup<string, WorkerEvent> ran = pool.Events().Where(e => e.Name == "job-ran").ToLookup(e => e.Detail);
        int lostBeforeItSaidSo = 0;
        foreach ((string jobId, TestResult? result) in outcomes)
        {
            if (result is not null)
            {
                // Succeeded: it ran exactly once; if not in the process that died, it never started there (same attempt).
                WorkerEvent once = Assert.Single(ran[jobId]);
                Assert.Equal(result.ProcessId, once.ProcessId);
                Assert.True(result.ProcessId == victim || result.Attempt == 1, $"{jobId} ran elsewhere as attempt {result.Attempt}");
            }
            else
            {
                // Lost: it started in the process that died (its mark came before its code), and ran nowhere else.
                Assert.All(ran[jobId], e => Assert.Equal(victim, e.ProcessId));
                lostBeforeItSaidSo += ran[jobId].Any() ? 0 : 1;
            }
        }

        // Only the sibling thread's job can have started without reaching its first line before the kill.
        Assert.InRange(lostBeforeItSaidSo, 0, 1);
        Assert.Contains(outcomes, o => o.Result is { } r && r.ProcessId != victim);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(2 * Burst + 1, stats.Succeeded + stats.WorkerLost);
    }
}
