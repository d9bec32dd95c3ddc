using Microsoft.Extensions.Logging;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// PARITY 8, 10, 11: the collector (<c>collector(meta, result)</c> of the original) gets every outcome once, one at a
/// time, in completion order, with the task id, the job, its status, its value or exception, its timings, where it
/// ran and the pool's meta values; a collector that throws is logged and collection goes on.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class CollectorTests
{
    [Fact]
    public async Task Collector_EveryKindOfOutcome_SeenOnceEachInCompletionOrderWithItsDetails()
    {
        // The held jobs ignore their tokens and the grace is long, so only the job meant to time out does.
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 3;
                o.Prefetch = 0; // the canceled job is canceled while it waits in the queue, before any process holds it
                o.JobTimeout = TimeSpan.FromMilliseconds(300);
                o.JobTimeoutGrace = TimeSpan.FromSeconds(60);
                o.Meta["site"] = "eu-1";
                o.Meta["build"] = "42";
            },
            RecordingCollector.Register);
        RecordingCollector collector = RecordingCollector.Of(pool);

        // A burst, so that outcomes reach the collector close together: calls that could overlap would.
        MpmsJobHandle<TestResult>[] burst = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));
        TestResult[] burstResults = await Task.WhenAll(burst.Select(h => h.Completion));

        // Three jobs hold the three threads, so a fourth waits in the queue and is canceled there.
        TestJob a = Jobs.BlockedUntilReleased(pool, "a", 1);
        TestJob b = Jobs.BlockedUntilReleased(pool, "b", 2);
        TestJob c = Jobs.BlockedUntilReleased(pool, "c", 3);
        MpmsJobHandle<TestResult> handleA = await Jobs.PutRunningAsync(pool, a);
        MpmsJobHandle<TestResult> handleB = await Jobs.PutRunningAsync(pool, b);
        MpmsJobHandle<TestResult> handleC = await Jobs.PutRunningAsync(pool, c);
        MpmsJobHandle<TestResult> canceled = await pool.Queue.PutAsync(new TestJob("double", 8));
        canceled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Completion);

        // They finish in an order of the test's choosing: C, then A, then B (not the order they were put in).
        Jobs.Release(c);
        TestResult resultC = await handleC;
        Jobs.Release(a);
        TestResult resultA = await handleA;
        Jobs.Release(b);
        TestResult resultB = await handleB;

        // Then one job of every other outcome, each finished before the next is put.
        MpmsJobHandle<TestResult> failed = await pool.Queue.PutAsync(new TestJob("throw", 7));
        await Assert.ThrowsAsync<MpmsWorkerException>(() => failed.Completion);
        MpmsJobHandle<TestResult> timedOut = await pool.Queue.PutAsync(new TestJob("sleep", DelayMs: 600_000));
        await Assert.ThrowsAsync<MpmsJobTimeoutException>(() => timedOut.Completion);
        MpmsJobHandle<TestResult> lost = await pool.Queue.PutAsync(new TestJob("crash", 9));
        await Assert.ThrowsAsync<MpmsWorkerLostException>(() => lost.Completion);

        pool.Pool.Complete();
        await pool.Pool.WaitForCompletionAsync();

        IReadOnlyList<MpmsResult<TestJob, TestResult>> seen = collector.Results;
        Assert.Equal(0, collector.Overlaps);
        Assert.Equal(burst.Length + 7, seen.Count);
        Assert.Equal(seen.Count, seen.Select(r => r.JobId).Distinct().Count());
        Assert.Equal(burst.Select(h => h.JobId).Order(StringComparer.Ordinal), seen.Take(burst.Length).Select(r => r.JobId).Order(StringComparer.Ordinal));

        // Completion order, not put order: the held jobs were put A, B, C and finished C, A, B.
        MpmsJobHandle<TestResult>[] ordered = [canceled, handleC, handleA, handleB, failed, timedOut, lost];
        MpmsResult<TestJob, TestResult>[] tail = seen.Skip(burst.Length).ToArray();
        Assert.Equal(ordered.Select(h => h.JobId), tail.Select(r => r.JobId));
        Assert.Equal(
            [MpmsJobStatus.Canceled, MpmsJobStatus.Succeeded, MpmsJobStatus.Succeeded, MpmsJobStatus.Succeeded, MpmsJobStatus.Failed, MpmsJobStatus.TimedOut, MpmsJobStatus.WorkerLost],
            tail.Select(r => r.Status));
        Assert.Equal([new TestJob("double", 8), c, a, b, new TestJob("throw", 7), new TestJob("sleep", DelayMs: 600_000), new TestJob("crash", 9)], tail.Select(r => r.Job));

        // Task ids: unique, the same on the handle, in the worker's context and on the result, and sortable by put order.
        Assert.Equal([handleA.JobId, handleB.JobId, handleC.JobId], new[] { handleA.JobId, handleB.JobId, handleC.JobId }.Order(StringComparer.Ordinal));
        Dictionary<string, TestResult> values = burstResults.Concat([resultC, resultA, resultB]).ToDictionary(r => r.JobId!);
        Assert.Equal([3, 1, 2], new[] { resultC, resultA, resultB }.Select(r => r.Value));
        MpmsResult<TestJob, TestResult>[] succeeded = seen.Where(r => r.Status == MpmsJobStatus.Succeeded).ToArray();
        Assert.Equal(values.Count, succeeded.Length);
        foreach (MpmsResult<TestJob, TestResult> result in succeeded)
        {
            TestResult value = values[result.JobId];
            Assert.True(result.Succeeded);
            Assert.Null(result.Exception);
            Assert.Equal(value, result.Value);
            Assert.Equal(result.JobId, value.JobId);
            Assert.Equal(value.ProcessId, result.ProcessId);
            Assert.Equal(value.ThreadName, result.ThreadName);
        }

        Assert.Equal(Enumerable.Range(0, burst.Length).Select(i => i * 2), seen.Take(burst.Length).Select(r => r.Value!.Value).Order());
        Assert.IsAssignableFrom<OperationCanceledException>(tail[0].Exception);
        Assert.Equal("System.InvalidOperationException", Assert.IsType<MpmsWorkerException>(tail[4].Exception).RemoteType);
        Assert.Equal("boom 7", tail[4].Exception!.Message);
        Assert.IsType<MpmsJobTimeoutException>(tail[5].Exception);
        MpmsWorkerLostException lostException = Assert.IsType<MpmsWorkerLostException>(tail[6].Exception);
        Assert.All(tail.Where(r => !r.Succeeded), r => Assert.Null(r.Value));

        // Where it ran: the one process of the pool, on one of its named threads. The canceled job never ran; the
        // lost one ran in that process but never reported its start.
        int processId = resultA.ProcessId;
        MpmsResult<TestJob, TestResult>[] ran = seen.Where(r => r.Status is not (MpmsJobStatus.Canceled or MpmsJobStatus.WorkerLost)).ToArray();
        Assert.Equal(seen.Count - 2, ran.Length);
        Assert.All(ran, r => Assert.Equal(processId, r.ProcessId));
        Assert.All(ran, r => Assert.Matches(@"^mpms-TestWorker-p1#t[1-3]$", r.ThreadName));
        Assert.Null(tail[0].ProcessId);
        Assert.Null(tail[0].ThreadName);
        Assert.Null(tail[0].StartedAt);
        Assert.Equal(processId, tail[6].ProcessId);
        Assert.Null(tail[6].ThreadName);
        Assert.Null(tail[6].StartedAt);
        Assert.Equal(processId, lostException.ProcessId);

        // Timings: accepted, then started, then finished; a job that never reported its start has no start time.
        Assert.All(ran, r =>
        {
            Assert.NotNull(r.StartedAt);
            Assert.True(r.EnqueuedAt <= r.StartedAt, $"{r.JobId}: enqueued {r.EnqueuedAt:O} after started {r.StartedAt:O}");
            Assert.True(r.StartedAt <= r.FinishedAt, $"{r.JobId}: started {r.StartedAt:O} after finished {r.FinishedAt:O}");
        });
        Assert.All(seen, r => Assert.True(r.EnqueuedAt <= r.FinishedAt, $"{r.JobId}: enqueued {r.EnqueuedAt:O} after finished {r.FinishedAt:O}"));

        Assert.All(seen, r =>
        {
            Assert.Equal("TestWorker", r.PoolName);
            Assert.Equal(1, r.Attempt);
            Assert.Equal(new Dictionary<string, string> { ["site"] = "eu-1", ["build"] = "42" }, r.Meta);
        });
    }

    [Fact]
    public async Task Collector_Throws_IsLoggedAsCollectorFailedAndCollectionGoesOn()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1, RecordingCollector.Register);
        RecordingCollector collector = RecordingCollector.Of(pool);
        collector.ThrowOn = r => r.Job.Value % 2 == 0;

        MpmsJobHandle<TestResult>[] handles = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));
        await Task.WhenAll(handles.Select(h => h.Completion));
        pool.Pool.Complete();
        await pool.Pool.WaitForCompletionAsync();

        Assert.Equal(handles.Select(h => h.JobId).Order(StringComparer.Ordinal), collector.Results.Select(r => r.JobId).Order(StringComparer.Ordinal));
        Assert.Equal(0, collector.Overlaps);

        LogEntry[] failures = [.. pool.Logged(1100)];
        string[] refused = collector.Results.Where(r => r.Job.Value % 2 == 0).Select(r => r.JobId).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(5, refused.Length);
        Assert.Equal(refused, failures.Select(f => (string)f.Field("JobId")!).Order(StringComparer.Ordinal));
        Assert.All(failures, f =>
        {
            Assert.Equal("CollectorFailed", f.EventId.Name);
            Assert.Equal(LogLevel.Error, f.Level);
            Assert.Equal("TestWorker", f.Field("Pool"));
            Assert.Equal(nameof(RecordingCollector), f.Field("Collector"));
            Assert.IsType<InvalidOperationException>(f.Exception);
        });
    }
}
