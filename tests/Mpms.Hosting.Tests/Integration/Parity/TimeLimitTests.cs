using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// PARITY 15, 16: <c>JobTimeout</c> (<c>lifecycle_duration_hard</c> for tasks) cancels a job's token, reports it
/// as timed out, and recycles its process only when the job ignores its token; the late result is never reported.
/// <c>ProcessLifetime</c> (the same for processes) drains a process, with its replacement started before it leaves.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class TimeLimitTests
{
    [Fact]
    public async Task JobTimeout_JobHonoursItsToken_EndsTimedOutAndItsProcessIsNotRecycled()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.JobTimeout = TimeSpan.FromMilliseconds(300);
            o.JobTimeoutGrace = TimeSpan.FromSeconds(2);
        });
        TestResult before = await pool.Queue.RunAsync(new TestJob("whoami", 1));

        MpmsJobHandle<TestResult> handle = await pool.Queue.PutAsync(new TestJob("sleep", 2, DelayMs: 600_000));
        MpmsJobTimeoutException timeout = await Assert.ThrowsAsync<MpmsJobTimeoutException>(() => handle.Completion);
        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 3));

        Assert.Equal(MpmsJobStatus.TimedOut, handle.Status);
        Assert.Contains("JobTimeout", timeout.Message, StringComparison.Ordinal);
        Assert.Equal(before.ProcessId, after.ProcessId);
        Assert.Equal(before.ThreadName, after.ThreadName);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((1, 2, 0L, 1), (stats.TimedOut, stats.Succeeded, stats.Restarts, stats.ProcessesAlive));
        Assert.Empty(pool.Logged(2011));
        Assert.Empty(pool.Logged(1003));
        Assert.Empty(pool.Logged(1004));
    }

    [Fact]
    public async Task JobTimeout_JobIgnoresItsToken_EndsTimedOutAfterTheGraceItsProcessIsRecycledAndTheOtherJobsSucceed()
    {
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 2;
                o.JobTimeout = TimeSpan.FromMilliseconds(300);
                o.JobTimeoutGrace = TimeSpan.FromMilliseconds(300);
            },
            RecordingCollector.Register);

        MpmsJobHandle<TestResult> blocked = await pool.Queue.PutAsync(new TestJob("block", 1, DelayMs: 600_000));
        MpmsJobHandle<TestResult>[] others = await Task.WhenAll(Enumerable.Range(10, 10).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));

        await Assert.ThrowsAsync<MpmsJobTimeoutException>(() => blocked.Completion);
        TestResult[] results = await Task.WhenAll(others.Select(h => h.Completion));
        Assert.Equal(Enumerable.Range(10, 10).Select(i => i * 2), results.Select(r => r.Value));

        // The process that ran it said why it left, exited, and was replaced.
        await pool.WaitUntilAsync(s => s.Restarts == 1 && s.ProcessesReady == 1 && pool.Logged(1004).Count == 1, "the process to be recycled and replaced");
        LogEntry ended = Assert.Single(pool.Logged(1004));
        Assert.Equal("mpms-TestWorker-p1", ended.Field("ProcessName"));
        Assert.StartsWith("JobTimeout", (string)ended.Field("Exit")!, StringComparison.Ordinal);
        LogEntry abandoned = Assert.Single(pool.Logged(2011));
        Assert.Equal(blocked.JobId, abandoned.Field("JobId"));

        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 2));
        Assert.StartsWith("mpms-TestWorker-p2#", after.ThreadName, StringComparison.Ordinal);
        Assert.NotEqual(Convert.ToInt32(ended.Field("ProcessId"), System.Globalization.CultureInfo.InvariantCulture), after.ProcessId);

        pool.Pool.Complete();
        await pool.Pool.WaitForCompletionAsync();
        IReadOnlyList<MpmsResult<TestJob, TestResult>> collected = RecordingCollector.Of(pool).Results;
        Assert.Equal(12, collected.Count);
        MpmsResult<TestJob, TestResult> outcome = Assert.Single(collected, r => r.JobId == blocked.JobId);
        Assert.Equal(MpmsJobStatus.TimedOut, outcome.Status);
        Assert.IsType<MpmsJobTimeoutException>(outcome.Exception);
        Assert.Equal(11, collected.Count(r => r.Succeeded));
    }

    [Fact]
    public async Task JobTimeout_AbandonedJobReturnsWhileItsProcessStillRuns_ItsLateResultIsNeverReported()
    {
        // The process finalizer holds the recycled process (and its link) until the abandoned job has returned.
        string finalizerRelease = string.Empty;
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 2;
                o.JobTimeout = TimeSpan.FromMilliseconds(300);
                o.JobTimeoutGrace = TimeSpan.FromMilliseconds(300);
                finalizerRelease = Path.Combine(Path.GetDirectoryName(o.WorkerEnvironment["TestWorker__EventLog"])!, "release-finalizer");
                o.WorkerEnvironment["TestWorker__ProcessFinalizerWaitsForFile"] = finalizerRelease;
            },
            RecordingCollector.Register);
        try
        {
            TestJob late = new("block-file", 2, Path: Path.Combine(pool.Directory, "release-late"));
            MpmsJobHandle<TestResult> blocked = await Jobs.PutRunningAsync(pool, late);
            await Assert.ThrowsAsync<MpmsJobTimeoutException>(() => blocked.Completion);
            WorkerEvent leaving = await Jobs.WaitForEventAsync(pool, e => e.Name == "process-fin", "the recycled process to run its finalizer");

            Jobs.Release(late);
            await pool.WaitUntilAsync(_ => UnblockedLine(pool, blocked.JobId) is not null, "the abandoned job to return");
            Assert.Equal(leaving.ProcessId, Convert.ToInt32(UnblockedLine(pool, blocked.JobId)!.Field("ProcessId"), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Empty(pool.Logged(1004));

            // Whatever the process sent after the job returned has arrived once the application has seen it exit.
            File.WriteAllText(finalizerRelease, string.Empty);
            await pool.WaitUntilAsync(s => s.Restarts == 1 && pool.Logged(1004).Count == 1, "the process to be recycled");
            TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 3));
            pool.Pool.Complete();
            await pool.Pool.WaitForCompletionAsync();

            IReadOnlyList<MpmsResult<TestJob, TestResult>> collected = RecordingCollector.Of(pool).Results;
            Assert.Equal([blocked.JobId, after.JobId], collected.Select(r => r.JobId));
            Assert.Equal(MpmsJobStatus.TimedOut, collected[0].Status);
            Assert.Equal(MpmsJobStatus.TimedOut, blocked.Status);
            MpmsPoolStats stats = pool.Pool.GetStats();
            Assert.Equal((1L, 1L, 2L), (stats.TimedOut, stats.Succeeded, stats.Finished));
            Assert.StartsWith("JobTimeout", (string)pool.Logged(1004)[0].Field("Exit")!, StringComparison.Ordinal);
        }
        finally
        {
            // Lets every process finalizer return, so that the pool can stop.
            File.WriteAllText(finalizerRelease, string.Empty);
        }
    }

    [Fact]
    public async Task ProcessLifetime_ProcessIsDrainedAndItsReplacementStartsBeforeItLeaves()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.ProcessLifetime = TimeSpan.FromSeconds(1);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
        });

        // A held job keeps its process busy past its lifetime: it must drain, not die.
        TestJob held = Jobs.HeldUntilReleased(pool, "old", 1);
        MpmsJobHandle<TestResult> heldHandle = await pool.Queue.PutAsync(held);
        WorkerEvent running = await Jobs.WaitForJobRunningAsync(pool, heldHandle.JobId);
        string oldProcess = running.ThreadName[..running.ThreadName.IndexOf('#', StringComparison.Ordinal)];

        await pool.WaitUntilAsync(_ => ReplacementStartedAfterRecycling(pool, oldProcess), $"{oldProcess} to reach its lifetime and a replacement to start");
        Assert.True(pool.Pool.GetStats().ProcessesAlive >= 2, pool.Pool.GetStats().ToString());
        Assert.DoesNotContain(pool.Logged(1003), e => (string?)e.Field("ProcessName") == oldProcess);

        // Jobs keep succeeding meanwhile, elsewhere: the draining process takes no new job.
        for (int i = 0; i < 5; i++)
        {
            TestResult result = await pool.Queue.RunAsync(new TestJob("whoami", i));
            Assert.NotEqual(running.ProcessId, result.ProcessId);
        }

        Jobs.Release(held);
        TestResult heldResult = await heldHandle;
        Assert.Equal(running.ProcessId, heldResult.ProcessId);
        await pool.WaitUntilAsync(_ => pool.Logged(1003).Any(e => (string?)e.Field("ProcessName") == oldProcess), $"{oldProcess} to exit");

        IReadOnlyList<LogEntry> log = pool.Logs.Entries;
        int exitedAt = IndexOf(log, 1003, oldProcess);
        Assert.StartsWith("Recycled", (string)log[exitedAt].Field("Exit")!, StringComparison.Ordinal);
        int recyclingAt = IndexOf(log, 1012, oldProcess);
        Assert.InRange(recyclingAt, 0, exitedAt);

        // The order in the supervisor's log: recycling the old process, starting its replacement, then the old one's exit.
        Assert.Contains(log.Skip(recyclingAt).Take(exitedAt - recyclingAt), e => e.EventId.Id == 1001 && (string?)e.Field("ProcessName") != oldProcess);
        Assert.DoesNotContain(pool.Logged(1004), e => (string?)e.Field("ProcessName") == oldProcess);
        Assert.Equal(0, pool.Pool.GetStats().WorkerLost);
    }

    private static LogEntry? UnblockedLine(TestPool pool, string jobId) =>
        pool.Logs.Entries.FirstOrDefault(e => e.Message == $"Job {jobId} unblocked");

    /// <summary>Whether the process was told to drain for its lifetime, and another process was started after that.</summary>
    private static bool ReplacementStartedAfterRecycling(TestPool pool, string processName)
    {
        IReadOnlyList<LogEntry> log = pool.Logs.Entries;
        int recycling = IndexOf(log, 1012, processName);
        return recycling >= 0 && log.Skip(recycling).Any(e => e.EventId.Id == 1001);
    }

    private static int IndexOf(IReadOnlyList<LogEntry> log, int eventId, string processName)
    {
        for (int i = 0; i < log.Count; i++)
        {
            if (log[i].EventId.Id == eventId && (string?)log[i].Field("ProcessName") == processName)
            {
                return i;
            }
        }

        return -1;
    }
}
