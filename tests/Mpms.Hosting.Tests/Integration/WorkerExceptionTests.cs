using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>A worker's exception crosses the process boundary to the caller as type name, message and stack trace.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class WorkerExceptionTests
{
    [Fact]
    public async Task RunAsync_WorkerThrows_ThrowsMpmsWorkerExceptionWithTheRemoteTypeMessageAndStackTrace()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
        });

        MpmsWorkerException ex = await Assert.ThrowsAsync<MpmsWorkerException>(() => pool.Queue.RunAsync(new TestJob("throw", 7)));

        Assert.Equal("System.InvalidOperationException", ex.RemoteType);
        Assert.Equal("boom 7", ex.Message);
        Assert.NotNull(ex.RemoteStackTrace);
        Assert.Contains("Mpms.Hosting.TestWorker.TestWorker.ExecuteAsync", ex.RemoteStackTrace, StringComparison.Ordinal);
        Assert.Contains(ex.RemoteStackTrace, ex.StackTrace, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException: boom 7", ex.RemoteDetails, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_WorkerThrows_OnlyThatJobFailsAndTheProcessGoesOn()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
        });

        MpmsJobHandle<TestResult> failing = await pool.Queue.PutAsync(new TestJob("throw", 1));
        MpmsJobHandle<TestResult> after = await pool.Queue.PutAsync(new TestJob("whoami", 2));

        MpmsWorkerException ex = await Assert.ThrowsAsync<MpmsWorkerException>(() => failing.Completion);
        Assert.Equal("boom 1", ex.Message);
        Assert.Equal(MpmsJobStatus.Failed, failing.Status);

        // The same process, and the same thread, run the next job: a worker's exception is an outcome, not a crash.
        TestResult result = await after;
        Assert.Equal(MpmsJobStatus.Succeeded, after.Status);
        Assert.Equal(Assert.Single(pool.StartedProcessIds), result.ProcessId);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(1, stats.Failed);
        Assert.Equal(1, stats.Succeeded);
        Assert.Equal(0, stats.Restarts);
        Assert.Equal(1, stats.ProcessesReady);
    }
}
