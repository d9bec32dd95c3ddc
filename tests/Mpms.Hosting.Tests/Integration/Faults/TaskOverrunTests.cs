using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>
/// Jobs that run too long. The worker process enforces <c>JobTimeout</c> itself, from the moment a thread starts a
/// job: it signals the token, and when the job ignores it for <c>JobTimeoutGrace</c> more, it reports the job timed
/// out and recycles itself. The supervisor only steps in for a process that could not do that itself.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class TaskOverrunTests
{
    /// <remarks>
    /// Fails now and then (about one run in ten here): the process grants a credit just before it says it leaves, the
    /// application sends the handed-back job straight back to it with that credit, and when it arrives after the
    /// process has closed its side of the link, it is lost with the process (WorkerLost, JobTimeout) although it
    /// never started. <see cref="GracefulDieTests.JobPutAfterItsProcessSaidItLeaves_IsNotSentToThatProcess_AndRunsInTheReplacement"/>
    /// shows the same fault every time.
    /// </remarks>
    [Fact]
    public async Task JobIgnoresItsToken_ProcessIsRecycled_ANotStartedJobItHeldRunsInTheReplacementAsItsFirstAttempt()
    {
        // One thread and one job of prefetch: the process asks for two jobs, so the second waits in it, not started.
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.Prefetch = 1;
            o.JobTimeout = TimeSpan.FromSeconds(1);
            o.JobTimeoutGrace = TimeSpan.FromMilliseconds(500);
        });
        await pool.WaitForReadyAsync();
        int first = Assert.Single(pool.StartedProcessIds);

        MpmsJobHandle<TestResult> overrun = await pool.Queue.PutAsync(new TestJob("block", DelayMs: 60_000));
        MpmsJobHandle<TestResult> behind = await pool.Queue.PutAsync(new TestJob("double", 8));

        await Assert.ThrowsAsync<MpmsJobTimeoutException>(() => overrun.Completion);
        TestResult result = await behind;
        Assert.Equal(16, result.Value);
        Assert.NotEqual(first, result.ProcessId);
        Assert.Equal(1, result.Attempt);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(1, stats.TimedOut);
        Assert.Equal(1, stats.Succeeded);
        Assert.Equal(0, stats.WorkerLost);
        Assert.DoesNotContain(pool.Logs.Entries, e => e.EventId.Name == "TaskOverdue");
    }

    /// <summary>
    /// JobTimeout counts from the moment a thread starts the job (docs/configuration.md). A job that waited in the
    /// process behind another one (Prefetch) and then runs well within its own JobTimeout must not be killed as
    /// overdue: both jobs here run 2.5 s of a 3 s JobTimeout. The supervisor's own check must not count the time the
    /// job waited in the process.
    /// </summary>
    [Fact]
    public async Task PrefetchedJobWithinItsJobTimeout_AfterWaitingBehindALongJob_IsNotKilledAsOverdue()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.Prefetch = 1;
            o.JobTimeout = TimeSpan.FromSeconds(5);
            o.JobTimeoutGrace = TimeSpan.FromMilliseconds(200);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);

            // Roomy enough for a loaded machine; the backstop then fires 7.2 s after a job's start. The second job is
            // sent at once (prefetch) but starts 3.5 s later, so counted from its sending it would look 7 s + overdue.
            o.HeartbeatTimeout = TimeSpan.FromSeconds(2);
        });
        await pool.WaitForReadyAsync();

        MpmsJobHandle<TestResult> first = await pool.Queue.PutAsync(new TestJob("block", 1, DelayMs: 3500));
        MpmsJobHandle<TestResult> second = await pool.Queue.PutAsync(new TestJob("block", 2, DelayMs: 3900));

        TestResult[] results = await Task.WhenAll(first.Completion, second.Completion);
        Assert.Single(results.Select(r => r.ProcessId).Distinct());
        Assert.DoesNotContain(pool.Logs.Entries, e => e.EventId.Name == "TaskOverdue");
        Assert.Equal(0, pool.Pool.GetStats().Restarts);
    }
}
