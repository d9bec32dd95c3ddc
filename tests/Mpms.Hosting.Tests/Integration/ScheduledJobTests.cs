using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>Delayed jobs with real worker processes, on a fake clock: they run at their time, not before, and cancel.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class ScheduledJobTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task PutAsync_WithDelay_RunsOnlyOnceItsTimeHasCome_AfterJobsPutLater()
    {
        await using TestPool pool = await StartAsync();

        MpmsJobHandle<TestResult> delayed = await pool.Queue.PutAsync(new TestJob("mark"), new MpmsPutOptions { Delay = TimeSpan.FromHours(1) });
        TestResult now = await pool.Queue.RunAsync(new TestJob("mark")).WaitAsync(TestPool.WaitCeiling);

        // The job put later ran; the delayed one is still waiting, and never reached a worker.
        Assert.Equal(MpmsJobStatus.Queued, delayed.Status);
        Assert.DoesNotContain(pool.Events(), e => e.Name == "job-ran" && e.Detail == delayed.JobId);
        Assert.Equal(1L, pool.Pool.GetStats().Scheduled);

        _time.Advance(TimeSpan.FromHours(1));
        TestResult later = await delayed.Completion.WaitAsync(TestPool.WaitCeiling);

        Assert.Equal(delayed.JobId, later.JobId);
        Assert.Equal([now.JobId, delayed.JobId], pool.Events().Where(e => e.Name == "job-ran").Select(e => e.Detail));
    }

    [Fact]
    public async Task Cancel_DelayedJob_EndsCanceledAndNeverRuns()
    {
        await using TestPool pool = await StartAsync();
        MpmsJobHandle<TestResult> delayed = await pool.Queue.PutAsync(new TestJob("mark"), new MpmsPutOptions { NotBefore = _time.GetUtcNow().AddMinutes(10) });

        delayed.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delayed.Completion.WaitAsync(TestPool.WaitCeiling));
        _time.Advance(TimeSpan.FromMinutes(10));
        TestResult after = await pool.Queue.RunAsync(new TestJob("mark")).WaitAsync(TestPool.WaitCeiling);

        Assert.Equal(MpmsJobStatus.Canceled, delayed.Status);
        Assert.Equal([after.JobId], pool.Events().Where(e => e.Name == "job-ran").Select(e => e.Detail));
        Assert.Equal((1L, 1L, 0L), (pool.Pool.GetStats().Canceled, pool.Pool.GetStats().Succeeded, pool.Pool.GetStats().Scheduled));
    }

    [Fact]
    public async Task StopAsync_DelayedJobWaiting_EndsItCanceledWithoutWaitingForItsTime()
    {
        await using TestPool pool = await StartAsync();
        MpmsJobHandle<TestResult> delayed = await pool.Queue.PutAsync(new TestJob("mark"), new MpmsPutOptions { Delay = TimeSpan.FromDays(1) });

        await pool.StopAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delayed.Completion);
        Assert.Contains(pool.Logs.Entries, e => e.EventId.Id == 1504);
    }

    private Task<TestPool> StartAsync() => TestPool.StartAsync(
        o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
        },
        services: s => s.AddSingleton<TimeProvider>(_time));
}
