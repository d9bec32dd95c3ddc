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
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 3;
                o.TaskTimeout = TimeSpan.FromMilliseconds(300);
                o.TaskTimeoutGrace = TimeSpan.FromMilliseconds(300);
                o.Meta["site"] = "eu-1";
                o.Meta["build"] = "42";
            },
            RecordingCollector.Register);
        RecordingCollector collector = RecordingCollector.Of(pool);

        // A burst, so that outcomes reach the collector close together: calls that could overlap would.
        MpmsTaskHandle<TestResult>[] burst = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));
        TestResult[] burstResults = await Task.WhenAll(burst.Select(h => h.Completion));

        // Three jobs that finish in an order of the test's choosing: C, then A, then B (not the order they were put in).
        TestJob a = Jobs.HeldUntilReleased(pool, "a", 1);
        TestJob b = Jobs.HeldUntilReleased(pool, "b", 2);
        TestJob c = Jobs.HeldUntilReleased(pool, "c", 3);
        MpmsTaskHandle<TestResult> handleA = await Jobs.PutRunningAsync(pool, a);
        MpmsTaskHandle<TestResult> handleB = await Jobs.PutRunningAsync(pool, b);
        MpmsTaskHandle<TestResult> handleC = await Jobs.PutRunningAsync(pool, c);
        Jobs.Release(c);
        TestResult resultC = await handleC;
        Jobs.Release(a);
        TestResult resultA = await handleA;
        Jobs.Release(b);
        TestResult resultB = await handleB;

        // Then one job of every other outcome, each finished before the next is put.
        MpmsTaskHandle<TestResult> failed = await pool.Queue.PutAsync(new TestJob("throw", 7));
        await Assert.ThrowsAsync<MpmsWorkerException>(() => failed.Completion);
        MpmsTaskHandle<TestResult> timedOut = await pool.Queue.PutAsync(new TestJob("sleep", DelayMs: 600_000));
        await Assert.ThrowsAsync<MpmsTaskTimeoutException>(() => timedOut.Completion);
        MpmsTaskHandle<TestResult> canceled = await Jobs.PutRunningAsync(pool, new TestJob("wait", 8));
        canceled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled.Completion);
        MpmsTaskHandle<TestResult> lost = await pool.Queue.PutAsync(new TestJob("crash", 9));
        await Assert.ThrowsAsync<MpmsWorkerLostException>(() => lost.Completion);

        pool.Queue.Complete();
        await pool.Queue.WaitForCompletionAsync();

        IReadOnlyList<MpmsResult<TestJob, TestResult>> seen = collector.Results;
        Assert.Equal(0, collector.Overlaps);
        Assert.Equal(burst.Length + 7, seen.Count);
        Assert.Equal(seen.Count, seen.Select(r => r.TaskId).Distinct().Count());
        Assert.Equal(burst.Select(h => h.TaskId).Order(StringComparer.Ordinal), seen.Take(burst.Length).Select(r => r.TaskId).Order(StringComparer.Ordinal));

        // Completion order, not put order: the held jobs were put A, B, C and finished C, A, B.
        MpmsTaskHandle<TestResult>[] ordered = [handleC, handleA, handleB, failed, timedOut, canceled, lost];
        MpmsResult<TestJob, TestResult>[] tail = seen.Skip(burst.Length).ToArray();
        Assert.Equal(ordered.Select(h => h.TaskId), tail.Select(r => r.TaskId));
        Assert.Equal(
            [MpmsTaskStatus.Succeeded, MpmsTaskStatus.Succeeded, MpmsTaskStatus.Succeeded, MpmsTaskStatus.Failed, MpmsTaskStatus.TimedOut, MpmsTaskStatus.Canceled, MpmsTaskStatus.WorkerLost],
            tail.Select(r => r.Status));
        Assert.Equal([c, a, b, new TestJob("throw", 7), new TestJob("sleep", DelayMs: 600_000), new TestJob("wait", 8), new TestJob("crash", 9)], tail.Select(r => r.Job));

        // Task ids: unique, the same on the handle, in the worker's context and on the result, and sortable by put order.
        Assert.Equal([handleA.TaskId, handleB.TaskId, handleC.TaskId], new[] { handleA.TaskId, handleB.TaskId, handleC.TaskId }.Order(StringComparer.Ordinal));
        Dictionary<string, TestResult> values = burstResults.Concat([resultC, resultA, resultB]).ToDictionary(r => r.TaskId!);
        MpmsResult<TestJob, TestResult>[] succeeded = seen.Where(r => r.Status == MpmsTaskStatus.Succeeded).ToArray();
        Assert.Equal(values.Count, succeeded.Length);
        foreach (MpmsResult<TestJob, TestResult> result in succeeded)
        {
            TestResult value = values[result.TaskId];
            Assert.True(result.Succeeded);
            Assert.Null(result.Exception);
            Assert.Equal(value, result.Value);
            Assert.Equal(result.TaskId, value.TaskId);
            Assert.Equal(value.ProcessId, result.ProcessId);
            Assert.Equal(value.ThreadName, result.ThreadName);
        }

        Assert.Equal(Enumerable.Range(0, burst.Length).Select(i => i * 2), seen.Take(burst.Length).Select(r => r.Value!.Value).Order());
        Assert.Equal("System.InvalidOperationException", Assert.IsType<MpmsWorkerException>(tail[3].Exception).RemoteType);
        Assert.Equal("boom 7", tail[3].Exception!.Message);
        Assert.IsType<MpmsTaskTimeoutException>(tail[4].Exception);
        Assert.IsAssignableFrom<OperationCanceledException>(tail[5].Exception);
        MpmsWorkerLostException lostException = Assert.IsType<MpmsWorkerLostException>(tail[6].Exception);
        Assert.All(tail.Skip(3), r => Assert.Null(r.Value));

        // Where it ran: the one process of the pool, on one of its named threads; the lost job has no thread.
        int processId = resultA.ProcessId;
        Assert.All(seen, r => Assert.Equal(processId, r.ProcessId));
        Assert.Equal(processId, lostException.ProcessId);
        Assert.All(seen.SkipLast(1), r => Assert.Matches(@"^mpms-TestWorker-p1#t[1-3]$", r.ThreadName));
        Assert.Null(tail[6].ThreadName);

        // Timings: accepted, then started, then finished; a job that never reported its start has no start time.
        Assert.All(seen.SkipLast(1), r =>
        {
            Assert.NotNull(r.StartedAt);
            Assert.True(r.EnqueuedAt <= r.StartedAt, $"{r.TaskId}: enqueued {r.EnqueuedAt:O} after started {r.StartedAt:O}");
            Assert.True(r.StartedAt <= r.FinishedAt, $"{r.TaskId}: started {r.StartedAt:O} after finished {r.FinishedAt:O}");
        });
        Assert.Null(tail[6].StartedAt);
        Assert.True(tail[6].EnqueuedAt <= tail[6].FinishedAt);

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

        MpmsTaskHandle<TestResult>[] handles = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));
        await Task.WhenAll(handles.Select(h => h.Completion));
        pool.Queue.Complete();
        await pool.Queue.WaitForCompletionAsync();

        Assert.Equal(handles.Select(h => h.TaskId).Order(StringComparer.Ordinal), collector.Results.Select(r => r.TaskId).Order(StringComparer.Ordinal));
        Assert.Equal(0, collector.Overlaps);

        LogEntry[] failures = [.. pool.Logged(1100)];
        string[] refused = collector.Results.Where(r => r.Job.Value % 2 == 0).Select(r => r.TaskId).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(5, refused.Length);
        Assert.Equal(refused, failures.Select(f => (string)f.Field("TaskId")!).Order(StringComparer.Ordinal));
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
