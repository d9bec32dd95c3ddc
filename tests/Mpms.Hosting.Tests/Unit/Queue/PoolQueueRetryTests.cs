using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

/// <summary>A job whose worker threw, under a retry policy: back to the queue after its delay, one outcome in the end.</summary>
public sealed class PoolQueueRetryTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly RecordingLoggerProvider _logs = new();

    [Fact]
    public async Task Complete_FailedWithAttemptsLeft_RunsAgainAfterTheDelayKeepingItsIdAndEndsWithOneOutcome()
    {
        using UnitPool<EchoJob, string> pool = Create(r => { r.MaxAttempts = 3; r.Delay = TimeSpan.FromSeconds(2); r.BackoffType = MpmsBackoffType.Exponential; });
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));

        PendingJob<EchoJob, string> first = await pool.SendNextAsync();
        Fail(first, "System.TimeoutException", "slow 1");
        Assert.False(handle.Completion.IsCompleted);
        Assert.Equal((MpmsJobStatus.Queued, 1L), (handle.Status, pool.GetStats().Scheduled));

        // Not before its delay: 2 s after attempt 1.
        _time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.False(pool.TryLease(out _));
        _time.Advance(TimeSpan.FromTicks(1));
        PendingJob<EchoJob, string> second = await pool.SendNextAsync();
        Assert.Same(handle, second);
        Assert.Equal(2, second.Attempt);
        Fail(second, "System.TimeoutException", "slow 2");

        // 4 s after attempt 2.
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.False(pool.TryLease(out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        PendingJob<EchoJob, string> third = await pool.SendNextAsync();
        Succeed(third, "done");

        Assert.Equal("done", await handle);
        MpmsResult<EchoJob, string> result = Assert.Single(await ReadAllAsync(pool));
        Assert.Equal((MpmsJobStatus.Succeeded, 3, handle.JobId), (result.Status, result.Attempt, result.JobId));
        Assert.Equal(["slow 1", "slow 2"], Logged(1500).Select(l => l.Message[(l.Message.IndexOf("slow", StringComparison.Ordinal))..][..6]));
        Assert.All(Logged(1500), l => Assert.Contains("System.TimeoutException", l.Message, StringComparison.Ordinal));
        MpmsPoolStats stats = pool.GetStats();
        Assert.Equal((1L, 0L, 0L, 0L), (stats.Succeeded, stats.Failed, stats.Scheduled, stats.Queued));
    }

    [Fact]
    public async Task Complete_LastAttemptFails_EndsFailedSayingHowManyAttemptsItTook()
    {
        using UnitPool<EchoJob, string> pool = Create(r => { r.MaxAttempts = 2; r.Delay = TimeSpan.Zero; });
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));

        Fail(await pool.SendNextAsync(), "System.InvalidOperationException", "boom");
        Fail(await pool.SendNextAsync(), "System.InvalidOperationException", "boom again");

        MpmsWorkerException ex = await Assert.ThrowsAsync<MpmsWorkerException>(() => handle.Completion);
        Assert.Equal((2, "boom again"), (ex.Attempt, ex.Message));
        Assert.Equal(2, Assert.Single(await ReadAllAsync(pool)).Attempt);
        Assert.Single(Logged(1500));
        Assert.Contains("last attempt, 2 of 2", Assert.Single(Logged(1501)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_ExceptionNotInExceptionTypes_IsNotRetried()
    {
        using UnitPool<EchoJob, string> pool = Create(r => { r.MaxAttempts = 3; r.ExceptionTypes.Add("TimeoutException"); });
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));

        Fail(await pool.SendNextAsync(), "System.ArgumentException", "bad input");

        MpmsWorkerException ex = await Assert.ThrowsAsync<MpmsWorkerException>(() => handle.Completion);
        Assert.Equal(1, ex.Attempt);
        Assert.Empty(Logged(1500));
        Assert.Single(Logged(1502));
        Assert.Equal(0L, pool.GetStats().Scheduled);
    }

    [Fact]
    public async Task Complete_JobsOwnRetryPolicy_TakesThePlaceOfThePools()
    {
        using UnitPool<EchoJob, string> pool = Create(r => r.MaxAttempts = 1);
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"), new MpmsPutOptions { Retry = new MpmsRetryOptions { MaxAttempts = 2, Delay = TimeSpan.Zero } });
        MpmsJobHandle<string> plain = await pool.PutAsync(new EchoJob("b"));

        Fail(await pool.SendNextAsync(), "System.Exception", "first");
        Fail(await pool.SendNextAsync(), "System.Exception", "plain");
        Succeed(await pool.SendNextAsync(), "second");

        Assert.Equal("second", await handle);
        await Assert.ThrowsAsync<MpmsWorkerException>(() => plain.Completion);
    }

    [Fact]
    public async Task Complete_ShouldRetryThrows_IsNotRetriedAndLogged()
    {
        using UnitPool<EchoJob, string> pool = Create(r => { r.MaxAttempts = 3; r.ShouldRetry = _ => throw new InvalidOperationException("predicate bug"); });
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));

        Fail(await pool.SendNextAsync(), "System.Exception", "x");

        await Assert.ThrowsAsync<MpmsWorkerException>(() => handle.Completion);
        Assert.Equal("predicate bug", Assert.Single(Logged(1503)).Exception?.Message);
    }

    [Fact]
    public async Task Cancel_WhileWaitingForItsRetry_EndsCanceledAtOnceAndNeverRunsAgain()
    {
        using UnitPool<EchoJob, string> pool = Create(r => { r.MaxAttempts = 3; r.Delay = TimeSpan.FromMinutes(1); });
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));
        Fail(await pool.SendNextAsync(), "System.Exception", "x");

        handle.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handle.Completion);
        Assert.Equal(MpmsJobStatus.Canceled, handle.Status);
        Assert.Equal((0L, 1L), (pool.GetStats().Scheduled, pool.GetStats().Canceled));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.False(pool.TryLease(out _));
    }

    [Fact]
    public async Task CancelScheduled_PoolStoppingWhileAJobWaitsForItsRetry_EndsItCanceledAndALaterFailureIsNotRetried()
    {
        using UnitPool<EchoJob, string> pool = Create(r => { r.MaxAttempts = 3; r.Delay = TimeSpan.FromMinutes(1); });
        MpmsJobHandle<string> waiting = await pool.PutAsync(new EchoJob("a"));
        MpmsJobHandle<string> running = await pool.PutAsync(new EchoJob("b"));
        Fail(await pool.SendNextAsync(), "System.Exception", "x");
        PendingJob<EchoJob, string> held = await pool.SendNextAsync();

        pool.Complete();
        pool.Queue.CancelScheduled("the pool is stopping");
        Fail(held, "System.Exception", "y");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Completion);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.Completion);
        await pool.WaitForCompletionAsync().WaitAsync(Wire.HangGuard);
        Assert.Equal("Pool UnitPool canceled 1 job(s) waiting for their time: the pool is stopping", Assert.Single(Logged(1504)).Message);
    }

    [Fact]
    public async Task Complete_Completed_WaitsForTheRetryToRun()
    {
        using UnitPool<EchoJob, string> pool = Create(r => { r.MaxAttempts = 2; r.Delay = TimeSpan.FromSeconds(5); });
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));
        Fail(await pool.SendNextAsync(), "System.Exception", "x");

        pool.Complete();
        Task drained = pool.WaitForCompletionAsync();
        Assert.False(drained.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(5));
        Succeed(await pool.SendNextAsync(), "ok");

        await drained.WaitAsync(Wire.HangGuard);
        Assert.Equal("ok", await handle);
    }

    private UnitPool<EchoJob, string> Create(Action<MpmsRetryOptions> retry) =>
        Pools.Create(
            o =>
            {
                o.EnableResultStream = true;
                retry(o.Retry);
            },
            logger: new LoggerFactory([_logs]).CreateLogger("Mpms.Hosting.Queue"),
            time: _time);

    private IReadOnlyList<RecordedLog> Logged(int eventId) => _logs.Entries.Where(e => e.EventId.Id == eventId).ToArray();

    private static void Fail(PendingJob<EchoJob, string> job, string type, string message) =>
        job.Complete(ResultFrame.Failure(job.Sequence, WireStatus.Failed, 1, 0, 0, new WireError(type, message, null, null)), 1, "t1");

    private static void Succeed(PendingJob<EchoJob, string> job, string value) =>
        job.Complete(ResultFrame.Success(job.Sequence, 1, 0, 0, Encoding.UTF8.GetBytes($"\"{value}\"")), 1, "t1");

    private static async Task<List<MpmsResult<EchoJob, string>>> ReadAllAsync(UnitPool<EchoJob, string> pool)
    {
        pool.Complete();
        var results = new List<MpmsResult<EchoJob, string>>();
        await foreach (MpmsResult<EchoJob, string> result in pool.ReadResultsAsync().WithCancellation(CancellationToken.None))
        {
            results.Add(result);
        }

        return results;
    }
}
