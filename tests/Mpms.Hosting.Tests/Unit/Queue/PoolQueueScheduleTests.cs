using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

/// <summary>Jobs put with a delay or a time: accepted now, runnable at their time, on a bound of their own.</summary>
public sealed class PoolQueueScheduleTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task PutAsync_WithDelay_IsAcceptedNowAndRunnableOnlyAtItsTime()
    {
        using UnitPool<EchoJob, string> pool = Create();

        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("later"), new MpmsPutOptions { Delay = TimeSpan.FromMinutes(5) });

        Assert.Equal(MpmsJobStatus.Queued, handle.Status);
        MpmsPoolStats stats = pool.GetStats();
        Assert.Equal((1L, 1L, 1L), (stats.Accepted, stats.Queued, stats.Scheduled));
        Assert.Null(stats.OldestQueuedJobAge);
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.False(pool.TryLease(out _));
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(pool.TryLease(out PendingJob<EchoJob, string>? leased));
        Assert.Same(handle, leased);
        Assert.Equal(0L, pool.GetStats().Scheduled);
    }

    [Fact]
    public async Task PutAsync_NotBefore_RunsAtThatTime_AndATimePastRunsAtOnce()
    {
        using UnitPool<EchoJob, string> pool = Create();

        await pool.PutAsync(new EchoJob("at"), new MpmsPutOptions { NotBefore = _time.GetUtcNow().AddSeconds(30) });
        await pool.PutAsync(new EchoJob("past"), new MpmsPutOptions { NotBefore = _time.GetUtcNow().AddSeconds(-30) });

        Assert.Equal("past", (await pool.SendNextAsync()).Job.Text);
        Assert.False(pool.TryLease(out _));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("at", (await pool.SendNextAsync()).Job.Text);
    }

    [Fact]
    public async Task SendNext_LinkWaitingForAJob_IsWokenWhenADelayedJobComesDue()
    {
        using UnitPool<EchoJob, string> pool = Create();
        Task<PendingJob<EchoJob, string>> waiting = pool.SendNextAsync();
        await pool.PutAsync(new EchoJob("later"), new MpmsPutOptions { Delay = TimeSpan.FromSeconds(1) });
        Assert.False(waiting.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("later", (await waiting.WaitAsync(Wire.HangGuard)).Job.Text);
    }

    [Fact]
    public async Task TryPut_DelayedJobs_TakeNoPlaceInQueueCapacityButOneOfScheduledCapacity()
    {
        using UnitPool<EchoJob, string> pool = Create(o => { o.QueueCapacity = 1; o.ScheduledCapacity = 2; });
        var later = new MpmsPutOptions { Delay = TimeSpan.FromDays(1) };

        Assert.True(pool.TryPut(new EchoJob("d1"), later, out MpmsJobHandle<string>? d1));
        Assert.True(pool.TryPut(new EchoJob("d2"), later, out _));
        Assert.False(pool.TryPut(new EchoJob("d3"), later, out _));
        Assert.True(pool.TryPut(new EchoJob("today"), out _));
        Assert.False(pool.TryPut(new EchoJob("today 2"), out _));

        // A canceled delayed job gives its place back at once.
        d1!.Cancel();
        Assert.True(pool.TryPut(new EchoJob("d3"), later, out _));
    }

    [Fact]
    public async Task PutAsync_DelayedJobDueWhileTheQueueIsFull_KeepsItsScheduledPlaceUntilItStarts()
    {
        using UnitPool<EchoJob, string> pool = Create(o => { o.QueueCapacity = 1; o.ScheduledCapacity = 1; });
        await pool.PutAsync(new EchoJob("today"));
        await pool.PutAsync(new EchoJob("due"), new MpmsPutOptions { Delay = TimeSpan.FromSeconds(1) });
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(pool.TryPut(new EchoJob("again"), new MpmsPutOptions { Delay = TimeSpan.FromSeconds(1) }, out _));
        Assert.Equal("today", (await pool.SendNextAsync()).Job.Text);
        Assert.Equal("due", (await pool.SendNextAsync()).Job.Text);
        Assert.True(pool.TryPut(new EchoJob("again"), new MpmsPutOptions { Delay = TimeSpan.FromSeconds(1) }, out _));
    }

    [Fact]
    public async Task Cancel_WhileWaitingForItsTime_EndsCanceledAtOnceAndNeverRuns()
    {
        using UnitPool<EchoJob, string> pool = Create();
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("later"), new MpmsPutOptions { Delay = TimeSpan.FromMinutes(1) });

        handle.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handle.Completion);
        Assert.Equal((MpmsJobStatus.Canceled, 0L), (handle.Status, pool.GetStats().Scheduled));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(pool.TryLease(out _));
    }

    [Fact]
    public async Task RunAsync_TokenCanceledWhileWaitingForItsTime_EndsCanceled()
    {
        using UnitPool<EchoJob, string> pool = Create();
        using var cts = new CancellationTokenSource();
        Task<string> run = pool.Puts.RunAsync(new EchoJob("later"), new MpmsPutOptions { Delay = TimeSpan.FromMinutes(1) }, cts.Token);

        await cts.CancelAsync();

        OperationCanceledException ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Wire.HangGuard));
        Assert.Equal(cts.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task Complete_DelayedJobWaiting_DrainsOnlyOnceItHasRun()
    {
        using UnitPool<EchoJob, string> pool = Create();
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("later"), new MpmsPutOptions { Delay = TimeSpan.FromHours(1) });

        pool.Complete();
        Task drained = pool.WaitForCompletionAsync();
        Assert.False(drained.IsCompleted);
        _time.Advance(TimeSpan.FromHours(1));
        PendingJob<EchoJob, string> job = await pool.SendNextAsync();
        Assert.True(pool.TryFinish(job, MpmsJobStatus.Succeeded, "ok", null));

        await drained.WaitAsync(Wire.HangGuard);
        Assert.Equal("ok", await handle);
    }

    [Fact]
    public async Task Stop_DelayedJobsWaiting_EndThemCanceled()
    {
        using UnitPool<EchoJob, string> pool = Create();
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("later"), new MpmsPutOptions { Delay = TimeSpan.FromDays(1) });

        pool.Stop("the pool stopped");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handle.Completion);
        await pool.WaitForCompletionAsync().WaitAsync(Wire.HangGuard);
        Assert.Equal(1L, pool.GetStats().Canceled);
    }

    [Fact]
    public async Task PutAsync_InvalidOptions_ThrowsNamingThePropertyAndAcceptsNothing()
    {
        using UnitPool<EchoJob, string> pool = Create();

        Assert.Contains("between 0 and 9", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pool.PutAsync(new EchoJob("a"), new MpmsPutOptions { Priority = 10 }).AsTask())).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.TryPut(new EchoJob("a"), new MpmsPutOptions { Priority = -1 }, out _));
        Assert.Contains("Delay must not be negative", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => pool.PutAsync(new EchoJob("a"), new MpmsPutOptions { Delay = TimeSpan.FromSeconds(-1) }).AsTask())).Message, StringComparison.Ordinal);
        Assert.Contains("both Delay and NotBefore", (await Assert.ThrowsAsync<ArgumentException>(() => pool.PutAsync(new EchoJob("a"), new MpmsPutOptions { Delay = TimeSpan.FromSeconds(1), NotBefore = _time.GetUtcNow() }).AsTask())).Message, StringComparison.Ordinal);
        Assert.Contains("MpmsPutOptions.Retry.MaxAttempts", (await Assert.ThrowsAsync<ArgumentException>(() => pool.PutAsync(new EchoJob("a"), new MpmsPutOptions { Retry = new MpmsRetryOptions { MaxAttempts = 0 } }).AsTask())).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentNullException>(() => pool.PutAsync(new EchoJob("a"), null!).AsTask());
        Assert.Equal(0L, pool.GetStats().Accepted);
    }

    private UnitPool<EchoJob, string> Create(Action<MpmsOptions>? configure = null) => Pools.Create(configure, time: _time);
}
