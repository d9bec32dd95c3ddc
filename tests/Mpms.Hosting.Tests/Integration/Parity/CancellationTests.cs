using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// A job's cancellation, through <c>RunAsync</c>'s token or <see cref="MpmsJobHandle{TResult}.Cancel"/>: a job that
/// has not started ends canceled and never runs; a running job's own token is signalled, and its outcome is canceled.
/// (The original has no cancellation; this is the .NET side of every accepted job getting exactly one outcome.)
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class CancellationTests
{
    [Theory]
    [InlineData("token")]
    [InlineData("handle")]
    public async Task Cancel_JobNotStarted_EndsCanceledAndNeverRuns(string how)
    {
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 1;
                o.Prefetch = 0; // the job waits in the application's queue, not held ahead by the process
            },
            RecordingCollector.Register,
            shutdownTimeout: TimeSpan.FromSeconds(5));
        TestJob held = Jobs.HeldUntilReleased(pool, "held");
        MpmsJobHandle<TestResult> heldHandle = await Jobs.PutRunningAsync(pool, held);

        // The only thread is busy, so this job waits in the queue when it is canceled.
        var job = new TestJob("wait", 42);
        using var cancellation = new CancellationTokenSource();
        Task<TestResult> outcome;
        MpmsJobHandle<TestResult>? handle = null;
        if (how == "token")
        {
            outcome = pool.Queue.RunAsync(job, cancellation.Token);
        }
        else
        {
            handle = await pool.Queue.PutAsync(job);
            outcome = handle.Completion;
        }

        Assert.Equal(2, pool.Pool.GetStats().Accepted);
        if (handle is null)
        {
            await cancellation.CancelAsync();
        }
        else
        {
            handle.Cancel();
        }

        OperationCanceledException canceled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => outcome);
        if (handle is null)
        {
            Assert.Equal(cancellation.Token, canceled.CancellationToken);
        }
        else
        {
            Assert.Equal(MpmsJobStatus.Canceled, handle.Status);
        }

        // A job put after it runs once the thread is free: had the canceled job still been queued, it would have run first.
        Jobs.Release(held);
        await heldHandle;
        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 43)).WithinCeiling();
        pool.Pool.Complete();
        await pool.Pool.WaitForCompletionAsync();

        MpmsResult<TestJob, TestResult> result = Assert.Single(RecordingCollector.Of(pool).Results, r => r.Job == job);
        Assert.Equal(MpmsJobStatus.Canceled, result.Status);
        Assert.Null(result.StartedAt);
        Assert.Null(result.ProcessId);
        Assert.DoesNotContain(pool.Events(), e => e.Detail == result.JobId);
        Assert.Equal([heldHandle.JobId], pool.Events().Named("job-waiting").Select(e => e.Detail));
        Assert.Equal(43, after.Value);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((3L, 2L, 1L), (stats.Accepted, stats.Succeeded, stats.Canceled));
    }

    [Theory]
    [InlineData("token")]
    [InlineData("handle")]
    public async Task Cancel_JobRunning_SignalsTheWorkersTokenAndTheJobEndsCanceled(string how)
    {
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 1;
            },
            RecordingCollector.Register);

        // The "wait" job ends only when its token is canceled.
        var job = new TestJob("wait", 7);
        using var cancellation = new CancellationTokenSource();
        Task<TestResult> outcome;
        MpmsJobHandle<TestResult>? handle = null;
        if (how == "token")
        {
            outcome = pool.Queue.RunAsync(job, cancellation.Token);
        }
        else
        {
            handle = await pool.Queue.PutAsync(job);
            outcome = handle.Completion;
        }

        WorkerEvent running = await Jobs.WaitForEventAsync(pool, e => e.Name == "job-waiting", "the job to run");
        if (handle is null)
        {
            await cancellation.CancelAsync();
        }
        else
        {
            handle.Cancel();
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => outcome);
        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami", 8)).WithinCeiling();
        pool.Pool.Complete();
        await pool.Pool.WaitForCompletionAsync();

        MpmsResult<TestJob, TestResult> result = Assert.Single(RecordingCollector.Of(pool).Results, r => r.Job == job);
        Assert.Equal(running.Detail, result.JobId);
        Assert.Equal(MpmsJobStatus.Canceled, result.Status);
        Assert.IsAssignableFrom<OperationCanceledException>(result.Exception);
        Assert.NotNull(result.StartedAt);
        Assert.Equal(running.ProcessId, result.ProcessId);
        Assert.Equal(running.ThreadName, result.ThreadName);

        // Canceling a job does not cost its process: the next job runs on the same thread.
        Assert.Equal(running.ProcessId, after.ProcessId);
        Assert.Equal(running.ThreadName, after.ThreadName);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((1L, 1L, 0L), (stats.Canceled, stats.Succeeded, stats.Restarts));
    }
}
