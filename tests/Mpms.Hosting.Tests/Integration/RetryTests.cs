using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>A job whose worker throws, retried by the pool's policy in real worker processes.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class RetryTests
{
    [Fact]
    public async Task RunAsync_FailsTwiceThenSucceeds_UnderMaxAttemptsThree_SucceedsOnAttemptThreeWithTwoAttemptLogs()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.EnableResultStream = true;
            o.Retry.MaxAttempts = 3;
            o.Retry.Delay = TimeSpan.FromMilliseconds(20);
            o.Retry.ExceptionTypes.Add("InvalidOperationException");
        });

        MpmsJobHandle<TestResult> handle = await pool.Queue.PutAsync(new TestJob("throw-until", 3));
        TestResult result = await handle.Completion.WaitAsync(TestPool.WaitCeiling);

        Assert.Equal((3, handle.JobId, MpmsJobStatus.Succeeded), (result.Attempt, result.JobId, handle.Status));
        IReadOnlyList<WorkerEvent> attempts = pool.Events().Where(e => e.Name == "job-attempt").ToArray();
        Assert.Equal([$"{handle.JobId} 1", $"{handle.JobId} 2", $"{handle.JobId} 3"], attempts.Select(e => e.Detail));
        LogEntry[] failedAttempts = pool.Logs.Entries.Where(e => e.EventId.Id == 1500).ToArray();
        Assert.Equal(2, failedAttempts.Length);
        Assert.All(failedAttempts, e => Assert.Contains("System.InvalidOperationException", e.Message, StringComparison.Ordinal));
        Assert.Contains("attempt 1 fails", failedAttempts[0].Message, StringComparison.Ordinal);
        Assert.Contains("attempt 2 fails", failedAttempts[1].Message, StringComparison.Ordinal);

        pool.Pool.Complete();
        MpmsResult<TestJob, TestResult> outcome = Assert.Single(await ReadAllAsync(pool));
        Assert.Equal((MpmsJobStatus.Succeeded, 3), (outcome.Status, outcome.Attempt));
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((1L, 0L, 0L), (stats.Succeeded, stats.Failed, stats.Scheduled));
    }

    [Fact]
    public async Task RunAsync_ExceptionNotInExceptionTypes_IsNotRetried()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.Retry.MaxAttempts = 3;
            o.Retry.Delay = TimeSpan.Zero;
            o.Retry.ExceptionTypes.Add("System.TimeoutException");
        });

        MpmsWorkerException ex = await Assert.ThrowsAsync<MpmsWorkerException>(() => pool.Queue.RunAsync(new TestJob("throw-until", 3)).WaitAsync(TestPool.WaitCeiling));

        Assert.Equal(("System.InvalidOperationException", "attempt 1 fails", 1), (ex.RemoteType, ex.Message, ex.Attempt));
        Assert.Single(pool.Events(), e => e.Name == "job-attempt");
        Assert.DoesNotContain(pool.Logs.Entries, e => e.EventId.Id == 1500);
        Assert.Equal(1L, pool.Pool.GetStats().Failed);
    }

    [Fact]
    public async Task RunAsync_JobsOwnRetryPolicy_RetriesWhereThePoolsWouldNot()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
        });

        TestResult result = await pool.Queue.RunAsync(
            new TestJob("throw-until", 2),
            new MpmsPutOptions { Retry = new MpmsRetryOptions { MaxAttempts = 2, Delay = TimeSpan.Zero } }).WaitAsync(TestPool.WaitCeiling);

        Assert.Equal(2, result.Attempt);
        MpmsWorkerException ex = await Assert.ThrowsAsync<MpmsWorkerException>(() => pool.Queue.RunAsync(new TestJob("throw-until", 2)).WaitAsync(TestPool.WaitCeiling));
        Assert.Equal(1, ex.Attempt);
    }

    private static async Task<List<MpmsResult<TestJob, TestResult>>> ReadAllAsync(TestPool pool)
    {
        using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
        var results = new List<MpmsResult<TestJob, TestResult>>();
        await foreach (MpmsResult<TestJob, TestResult> result in pool.Pool.ReadResultsAsync(ceiling.Token))
        {
            results.Add(result);
        }

        return results;
    }
}
