using System.Buffers;
using Microsoft.Extensions.Logging;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

public sealed class PoolQueueTests
{
    [Fact]
    public async Task PutAsync_BeforeStart_ThrowsNotStarted()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(start: false);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.PutAsync(new EchoJob("a")).AsTask());

        Assert.Contains($"Pool '{Pools.Name}' has not started", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => pool.TryPut(new EchoJob("a"), out _));
        Assert.Equal(MpmsPoolState.NotStarted, pool.GetStats().State);
    }

    [Fact]
    public void Start_Twice_Throws()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();

        var ex = Assert.Throws<InvalidOperationException>(() => pool.Start());

        Assert.Contains("already been started", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_NullJob_ThrowsArgumentNull()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();

        await Assert.ThrowsAsync<ArgumentNullException>(() => pool.PutAsync(null!).AsTask());
        Assert.Throws<ArgumentNullException>(() => pool.TryPut(null!, out _));
        await Assert.ThrowsAsync<ArgumentNullException>(() => pool.RunAsync(null!));
    }

    [Fact]
    public async Task PutAsync_Running_ReturnsAQueuedHandleAndCountsIt()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();

        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));

        Assert.Equal(MpmsJobStatus.Queued, handle.Status);
        Assert.Equal(26, handle.JobId.Length);
        MpmsPoolStats stats = pool.GetStats();
        Assert.Equal((1L, 1L, 0L, MpmsPoolState.Running), (stats.Accepted, stats.Queued, stats.Running, stats.State));
    }

    [Fact]
    public async Task PutAsync_SeveralJobs_GetIncreasingIds()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 100);

        var ids = new List<string>();
        for (int i = 0; i < 50; i++)
        {
            ids.Add((await pool.PutAsync(new EchoJob("a", i))).JobId);
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(50, ids.Distinct().Count());
    }

    [Fact]
    public void TryPut_QueueFull_RefusesWithoutAHandle()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 2);

        Assert.True(pool.TryPut(new EchoJob("a"), out MpmsJobHandle<string>? first));
        Assert.True(pool.TryPut(new EchoJob("b"), out _));
        Assert.False(pool.TryPut(new EchoJob("c"), out MpmsJobHandle<string>? refused));

        Assert.NotNull(first);
        Assert.Null(refused);
        Assert.Equal(2, pool.GetStats().Accepted);
    }

    [Fact]
    public void TryPut_DefaultCapacity_IsProcessesTimesThreadsTimesThreePlusThirty()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => (o.Processes, o.ThreadsPerProcess) = (2, 3));

        int accepted = 0;
        while (accepted < 1000 && pool.TryPut(new EchoJob("a"), out _))
        {
            accepted++;
        }

        Assert.Equal((2 * 3 * 3) + 30, accepted);
    }

    [Fact]
    public async Task TryPut_AfterALinkTookAJob_HasRoomAgain()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1);
        pool.TryPut(new EchoJob("a"), out _);

        await pool.SendNextAsync();

        Assert.True(pool.TryPut(new EchoJob("b"), out _));
    }

    [Fact]
    public async Task TryPut_WithPrefetch_AJobAProcessHoldsAheadKeepsItsPlaceUntilAThreadStartsIt()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => (o.QueueCapacity, o.Prefetch) = (1, 4));
        pool.TryPut(new EchoJob("a"), out _);

        PendingJob<EchoJob, string> held = await pool.SendNextAsync();
        Assert.False(pool.TryPut(new EchoJob("b"), out _));

        held.MarkStarted();
        Assert.True(pool.TryPut(new EchoJob("b"), out _));
    }

    [Fact]
    public async Task TryPut_WithPrefetch_AJobCanceledWhileHeldAheadFreesItsPlace()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => (o.QueueCapacity, o.Prefetch) = (1, 4));
        pool.TryPut(new EchoJob("a"), out MpmsJobHandle<string>? handle);
        PendingJob<EchoJob, string> held = await pool.SendNextAsync();

        held.Complete(ResultFrame.Failure(held.Sequence, WireStatus.Canceled, 0, 0, 0, new WireError(typeof(OperationCanceledException).FullName!, "canceled", null, null)), 1, null);

        Assert.Equal(MpmsJobStatus.Canceled, handle!.Status);
        Assert.True(pool.TryPut(new EchoJob("b"), out _));
    }

    [Fact]
    public async Task PutAsync_QueueFull_WaitsUntilALinkTakesAJob()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1);
        await pool.PutAsync(new EchoJob("first"));

        ValueTask<MpmsJobHandle<string>> waiting = pool.PutAsync(new EchoJob("second"));
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, pool.GetStats().Accepted);

        PendingJob<EchoJob, string> taken = await pool.SendNextAsync();
        MpmsJobHandle<string> second = await waiting.AsTask().WaitAsync(Wire.HangGuard);

        Assert.Equal("first", taken.Job.Text);
        Assert.Equal("second", second.Pending<EchoJob, string>().Job.Text);
        Assert.Equal(2, pool.GetStats().Accepted);
    }

    [Fact]
    public async Task PutAsync_QueueFullAndCallerCancels_ThrowsCanceledAndAcceptsNothing()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1);
        await pool.PutAsync(new EchoJob("first"));
        using var cts = new CancellationTokenSource();

        Task<MpmsJobHandle<string>> waiting = pool.PutAsync(new EchoJob("second"), cts.Token).AsTask();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Wire.HangGuard));
        Assert.Equal(1, pool.GetStats().Accepted);
        await pool.SendNextAsync();
        Assert.True(pool.TryPut(new EchoJob("third"), out _));
        Assert.False(pool.TryPut(new EchoJob("fourth"), out _));
    }

    [Fact]
    public async Task PutAsync_WaitingWhenTheQueueIsCompleted_ThrowsCompleted()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1);
        await pool.PutAsync(new EchoJob("first"));

        Task<MpmsJobHandle<string>> waiting = pool.PutAsync(new EchoJob("second")).AsTask();
        pool.Complete();

        var ex = await Assert.ThrowsAsync<MpmsQueueCompletedException>(() => waiting.WaitAsync(Wire.HangGuard));
        Assert.Contains("is completed", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, pool.GetStats().Accepted);
    }

    [Fact]
    public async Task PutAsync_AfterComplete_ThrowsCompleted()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        pool.Complete();

        var ex = await Assert.ThrowsAsync<MpmsQueueCompletedException>(() => pool.PutAsync(new EchoJob("a")).AsTask());

        Assert.Contains("is completed", ex.Message, StringComparison.Ordinal);
        Assert.Throws<MpmsQueueCompletedException>(() => pool.TryPut(new EchoJob("a"), out _));
        await Assert.ThrowsAsync<MpmsQueueCompletedException>(() => pool.RunAsync(new EchoJob("a")));
        Assert.Equal(MpmsPoolState.Completing, pool.GetStats().State);
    }

    [Fact]
    public async Task WaitForCompletionAsync_NotCompleted_WaitsEvenWhenIdle()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();

        Task waiting = pool.WaitForCompletionAsync();
        Assert.False(waiting.IsCompleted);

        pool.Complete();
        await waiting.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task WaitForCompletionAsync_Completed_FinishesWithTheLastOutcome()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        for (int i = 0; i < 3; i++)
        {
            await pool.PutAsync(new EchoJob("a", i));
        }

        pool.Complete();
        Task waiting = pool.WaitForCompletionAsync();
        PendingJob<EchoJob, string>[] sent = [await pool.SendNextAsync(), await pool.SendNextAsync(), await pool.SendNextAsync()];
        pool.TryFinish(sent[0], MpmsJobStatus.Succeeded, "0", null);
        pool.TryFinish(sent[2], MpmsJobStatus.Failed, null, new MpmsWorkerException("E", "m", null, null));
        Assert.False(waiting.IsCompleted);

        pool.TryFinish(sent[1], MpmsJobStatus.Succeeded, "1", null);

        await waiting.WaitAsync(Wire.HangGuard);
        MpmsPoolStats stats = pool.GetStats();
        Assert.Equal((3L, 2L, 1L, 0L, 0L), (stats.Finished, stats.Succeeded, stats.Failed, stats.Queued, stats.Running));
    }

    [Fact]
    public async Task WaitForCompletionAsync_CallerCancels_Throws()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        using var cts = new CancellationTokenSource();

        Task waiting = pool.WaitForCompletionAsync(cts.Token);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Wire.HangGuard));
    }

    [Theory]
    [InlineData(MpmsJobStatus.Succeeded)]
    [InlineData(MpmsJobStatus.Failed)]
    [InlineData(MpmsJobStatus.TimedOut)]
    [InlineData(MpmsJobStatus.WorkerLost)]
    [InlineData(MpmsJobStatus.Canceled)]
    public async Task TryFinish_EachOutcome_ReachesTheHandleAndItsCounter(MpmsJobStatus status)
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));
        PendingJob<EchoJob, string> job = await pool.SendNextAsync();
        Assert.Equal(1, pool.GetStats().Running);
        Exception? error = status switch
        {
            MpmsJobStatus.Succeeded => null,
            MpmsJobStatus.Failed => new MpmsWorkerException("System.Exception", "boom", null, null),
            MpmsJobStatus.TimedOut => new MpmsJobTimeoutException("late"),
            MpmsJobStatus.WorkerLost => new MpmsWorkerLostException("gone"),
            _ => new OperationCanceledException("stopped"),
        };

        Assert.True(pool.TryFinish(job, status, status == MpmsJobStatus.Succeeded ? "ok" : null, error));

        Assert.Equal(status, handle.Status);
        if (error is null)
        {
            Assert.Equal("ok", await handle);
        }
        else if (error is OperationCanceledException)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handle.Completion);
        }
        else
        {
            Assert.Same(error, await Assert.ThrowsAnyAsync<Exception>(() => handle.Completion));
        }

        MpmsPoolStats stats = pool.GetStats();
        long counted = status switch
        {
            MpmsJobStatus.Succeeded => stats.Succeeded,
            MpmsJobStatus.Failed => stats.Failed,
            MpmsJobStatus.TimedOut => stats.TimedOut,
            MpmsJobStatus.WorkerLost => stats.WorkerLost,
            _ => stats.Canceled,
        };
        Assert.Equal((1L, 1L, 0L, 0L), (counted, stats.Finished, stats.Running, stats.Queued));
    }

    [Fact]
    public async Task TryFinish_Twice_KeepsTheFirstOutcome()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));
        PendingJob<EchoJob, string> job = await pool.SendNextAsync();

        Assert.True(pool.TryFinish(job, MpmsJobStatus.Succeeded, "first", null));
        Assert.False(pool.TryFinish(job, MpmsJobStatus.WorkerLost, null, new MpmsWorkerLostException()));

        Assert.Equal("first", await handle);
        MpmsPoolStats stats = pool.GetStats();
        Assert.Equal((1L, 0L, 1L), (stats.Succeeded, stats.WorkerLost, stats.Finished));
    }

    [Fact]
    public async Task Cancel_QueuedJob_EndsCanceledAndTheLinkSkipsIt()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));

        handle.Cancel();

        Assert.Equal(MpmsJobStatus.Canceled, handle.Status);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handle.Completion);
        MpmsPoolStats stats = pool.GetStats();
        Assert.Equal((1L, 0L), (stats.Canceled, stats.Queued));
        Assert.False(pool.TryLease(out _), "A link leased a canceled job.");
    }

    [Fact]
    public async Task Cancel_QueuedJob_GivesItsPlaceInTheQueueBack()
    {
        // A canceled job no longer waits in the queue, so it must not keep callers out.
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1);
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));

        handle.Cancel();

        Assert.Equal(0, pool.GetStats().Queued);
        Assert.True(pool.TryPut(new EchoJob("b"), out _), "A canceled job still holds the queue's only place.");
    }

    [Fact]
    public async Task Cancel_SentJob_AsksTheLinkAndLeavesTheOutcomeToIt()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));
        PendingJob<EchoJob, string> job = await pool.SendNextAsync();
        handle.Cancel();

        Assert.Equal([job.Sequence], pool.Holder.Canceled);
        Assert.Equal(MpmsJobStatus.Running, handle.Status);
        Assert.False(handle.Completion.IsCompleted);
    }

    [Fact]
    public async Task RunAsync_JobSucceeds_ReturnsTheValue()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();

        Task<string> running = pool.RunAsync(new EchoJob("a"));
        PendingJob<EchoJob, string> job = await pool.SendNextAsync();
        pool.TryFinish(job, MpmsJobStatus.Succeeded, "A", null);

        Assert.Equal("A", await running.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task RunAsync_CallerCancelsWhileQueued_EndsCanceledWithTheCallersToken()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        using var cts = new CancellationTokenSource();

        Task<string> running = pool.RunAsync(new EchoJob("a"), cts.Token);
        cts.Cancel();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Wire.HangGuard));
        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.Equal(1, pool.GetStats().Canceled);
    }

    [Fact]
    public async Task Requeue_NewAttempt_PutsTheJobBackWithTheNextAttemptNumber()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));
        PendingJob<EchoJob, string> job = await pool.SendNextAsync();

        pool.Requeue(job, newAttempt: true);

        Assert.Equal(MpmsJobStatus.Queued, handle.Status);
        Assert.Equal(2, job.Attempt);
        Assert.Equal((0L, 1L), (pool.GetStats().Running, pool.GetStats().Queued));
        Assert.Same(job, await pool.SendNextAsync());
    }

    [Fact]
    public async Task Requeue_HandedBackUnstarted_KeepsTheAttemptNumber()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        await pool.PutAsync(new EchoJob("a"));
        PendingJob<EchoJob, string> job = await pool.SendNextAsync();

        pool.Requeue(job, newAttempt: false);

        Assert.Equal(1, job.Attempt);
        Assert.Same(job, await pool.SendNextAsync());
    }

    [Fact]
    public async Task Stop_CancelsWhatIsStillQueuedAndRefusesNewJobs()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.EnableResultStream = true);
        MpmsJobHandle<string> running = await pool.PutAsync(new EchoJob("running"));
        await pool.PutAsync(new EchoJob("requeued"));
        Assert.Equal("running", (await pool.SendNextAsync()).Job.Text);
        PendingJob<EchoJob, string> requeued = await pool.SendNextAsync();
        pool.Requeue(requeued, newAttempt: false);
        MpmsJobHandle<string> waiting = await pool.PutAsync(new EchoJob("waiting"));

        pool.Stop("the test stopped it");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Completion);
        Assert.Equal(MpmsJobStatus.Canceled, requeued.Status);
        await using IAsyncEnumerator<MpmsResult<EchoJob, string>> results = pool.ReadResultsAsync().GetAsyncEnumerator();
        for (int i = 0; i < 2; i++)
        {
            Assert.True(await results.MoveNextAsync().AsTask().WaitAsync(Wire.HangGuard));
            Assert.Equal(MpmsJobStatus.Canceled, results.Current.Status);
            Assert.Contains("the test stopped it", results.Current.Exception!.Message, StringComparison.Ordinal);
        }

        Assert.Equal(MpmsJobStatus.Running, running.Status);
        Assert.Equal(MpmsPoolState.Stopped, pool.GetStats().State);
        var refused = await Assert.ThrowsAsync<MpmsQueueCompletedException>(() => pool.PutAsync(new EchoJob("late")).AsTask());
        Assert.Contains("has stopped", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requeue_AfterStop_CancelsTheJob()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob("a"));
        PendingJob<EchoJob, string> job = await pool.SendNextAsync();
        pool.Stop("stopping");

        pool.Requeue(job, newAttempt: true);

        Assert.Equal(MpmsJobStatus.Canceled, handle.Status);
        Assert.Equal(0, pool.GetStats().Running);
    }

    [Fact]
    public void ReadResultsAsync_StreamNotEnabled_ThrowsNamingTheOption()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();

        var ex = Assert.Throws<InvalidOperationException>(() => pool.ReadResultsAsync());

        Assert.Contains("EnableResultStream", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadResultsAsync_WithACollector_Throws()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.EnableResultStream = true, hasCollector: true);

        var ex = Assert.Throws<InvalidOperationException>(() => pool.ReadResultsAsync());

        Assert.Contains("IMpmsCollector", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadResultsAsync_Twice_ThrowsTheSecondTime()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.EnableResultStream = true);
        _ = pool.ReadResultsAsync();

        var ex = Assert.Throws<InvalidOperationException>(() => pool.ReadResultsAsync());

        Assert.Contains("already being read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadResultsAsync_Enabled_GivesEveryOutcomeInCompletionOrderThenEnds()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o =>
        {
            o.EnableResultStream = true;
            o.Meta["site"] = "eu-1";
        });
        MpmsJobHandle<string>[] handles = [await pool.PutAsync(new EchoJob("a")), await pool.PutAsync(new EchoJob("b")), await pool.PutAsync(new EchoJob("c"))];
        PendingJob<EchoJob, string>[] sent = [await pool.SendNextAsync(), await pool.SendNextAsync()];
        var started = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        pool.TryFinish(sent[1], MpmsJobStatus.Succeeded, "B", null, started, 4242, "mpms-UnitPool-p1#t2");
        handles[2].Cancel();
        pool.TryFinish(sent[0], MpmsJobStatus.Failed, null, new MpmsWorkerException("E", "m", null, null));
        pool.Complete();

        var results = new List<MpmsResult<EchoJob, string>>();
        await foreach (MpmsResult<EchoJob, string> result in pool.ReadResultsAsync().WithCancellation(new CancellationTokenSource(Wire.HangGuard).Token))
        {
            results.Add(result);
        }

        Assert.Equal([handles[1].JobId, handles[2].JobId, handles[0].JobId], results.Select(r => r.JobId));
        Assert.Equal([MpmsJobStatus.Succeeded, MpmsJobStatus.Canceled, MpmsJobStatus.Failed], results.Select(r => r.Status));
        MpmsResult<EchoJob, string> b = results[0];
        Assert.Equal((Pools.Name, "b", "B", true, 1), (b.PoolName, b.Job.Text, b.Value, b.Succeeded, b.Attempt));
        Assert.Equal((started, 4242, "mpms-UnitPool-p1#t2"), (b.StartedAt, b.ProcessId, b.ThreadName));
        Assert.Equal("eu-1", b.Meta["site"]);
        Assert.Null(results[1].StartedAt);
        Assert.IsType<MpmsWorkerException>(results[2].Exception);
    }

    [Fact]
    public async Task RunCollectorAsync_CollectorThrows_LogsItAndGoesOnWithTheNextResult()
    {
        var logs = new RecordingLoggerProvider();
        using UnitPool<EchoJob, string> pool = Pools.Create(hasCollector: true, logger: logs.CreateLogger("Mpms.Hosting.Queue"));
        var failing = new Collector(fail: true);
        var recording = new Collector(fail: false);
        Task collecting = pool.RunCollectorAsync([failing, recording], CancellationToken.None);
        MpmsJobHandle<string>[] handles = [await pool.PutAsync(new EchoJob("a")), await pool.PutAsync(new EchoJob("b"))];

        pool.TryFinish(await pool.SendNextAsync(), MpmsJobStatus.Succeeded, "A", null);
        pool.TryFinish(await pool.SendNextAsync(), MpmsJobStatus.Succeeded, "B", null);
        pool.Complete();
        await pool.WaitForCompletionAsync().WaitAsync(Wire.HangGuard);
        await collecting.WaitAsync(Wire.HangGuard);

        Assert.Equal(2, failing.Seen.Count);
        Assert.Equal(handles.Select(h => h.JobId), recording.Seen.Select(r => r.JobId));
        RecordedLog[] errors = [.. logs.Entries.Where(e => e.Level == LogLevel.Error)];
        Assert.Equal(2, errors.Length);
        Assert.All(errors, e =>
        {
            Assert.Equal(1100, e.EventId.Id);
            Assert.IsType<InvalidOperationException>(e.Exception);
            Assert.Contains(nameof(Collector), e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task WaitForCompletionAsync_WithACollector_WaitsUntilTheCollectorHasSeenEveryOutcome()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(hasCollector: true);
        await pool.PutAsync(new EchoJob("a"));
        pool.TryFinish(await pool.SendNextAsync(), MpmsJobStatus.Succeeded, "A", null);
        pool.Complete();

        Task waiting = pool.WaitForCompletionAsync();
        Assert.False(waiting.IsCompleted);

        var collector = new Collector(fail: false);
        await pool.RunCollectorAsync([collector], CancellationToken.None).WaitAsync(Wire.HangGuard);
        await waiting.WaitAsync(Wire.HangGuard);
        Assert.Single(collector.Seen);
    }

    [Fact]
    public async Task TryPut_ResultStreamNotRead_RefusesOnceCapacityOutcomesWait_AndAcceptsAgainAsTheyAreRead()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => (o.QueueCapacity, o.EnableResultStream) = (2, true));
        for (int i = 0; i < 2; i++)
        {
            await pool.PutAsync(new EchoJob("a", i));
            pool.TryFinish(await pool.SendNextAsync(), MpmsJobStatus.Succeeded, "A", null);
        }

        // Both jobs are done, but their outcomes wait for the reader: they still take the queue's room.
        Assert.False(pool.TryPut(new EchoJob("b"), out _));
        await using IAsyncEnumerator<MpmsResult<EchoJob, string>> results = pool.ReadResultsAsync().GetAsyncEnumerator();
        Assert.True(await results.MoveNextAsync().AsTask().WaitAsync(Wire.HangGuard));

        Assert.True(pool.TryPut(new EchoJob("c"), out _));
        Assert.False(pool.TryPut(new EchoJob("d"), out _));
    }

    [Fact]
    public async Task PutAsync_SlowCollector_WaitsUntilTheCollectorHasTakenAnOutcome()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1, hasCollector: true);
        await pool.PutAsync(new EchoJob("a"));
        pool.TryFinish(await pool.SendNextAsync(), MpmsJobStatus.Succeeded, "A", null);

        ValueTask<MpmsJobHandle<string>> waiting = pool.PutAsync(new EchoJob("b"));
        Assert.False(waiting.IsCompleted);
        var collector = new Collector(fail: false);
        using var stop = new CancellationTokenSource();
        Task collecting = pool.RunCollectorAsync([collector], stop.Token);

        await waiting.AsTask().WaitAsync(Wire.HangGuard);
        Assert.Single(collector.Seen);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => collecting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task PutAsync_FromInsideTheCollectorWhenTheQueueIsFull_IsAcceptedAtOnce()
    {
        // A crawler's collector puts the links it found; it must not wait for room that only its own return frees.
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1, hasCollector: true);
        await pool.PutAsync(new EchoJob("page"));
        pool.TryFinish(await pool.SendNextAsync(), MpmsJobStatus.Succeeded, "links", null);
        var collector = new PuttingCollector(pool.Puts);
        using var stop = new CancellationTokenSource();

        Task collecting = pool.RunCollectorAsync([collector], stop.Token);

        MpmsJobHandle<string> followUp = await collector.Put.Task.WaitAsync(Wire.HangGuard);
        Assert.Equal(MpmsJobStatus.Queued, followUp.Status);
        Assert.Equal(2, pool.GetStats().Accepted);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => collecting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task PutAsync_SerializerFails_ThrowsSerializationExceptionNamingTheJobType()
    {
        var serializer = new FailingSerializer();
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1, serializer);

        var ex = await Assert.ThrowsAsync<MpmsSerializationException>(() => pool.PutAsync(new EchoJob("a")).AsTask());

        Assert.Contains(typeof(EchoJob).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.Contains(Pools.Name, ex.Message, StringComparison.Ordinal);
        Assert.Same(serializer.Thrown, ex.InnerException);
        Assert.Throws<MpmsSerializationException>(() => pool.TryPut(new EchoJob("a"), out _));
        Assert.Equal(0, pool.GetStats().Accepted);
    }

    [Fact]
    public async Task PutAsync_JobJsonCannotWrite_ThrowsSerializationExceptionNamingTheJobType()
    {
        using UnitPool<JobWithType, string> pool = Pools.Create<JobWithType, string>();

        var ex = await Assert.ThrowsAsync<MpmsSerializationException>(() => pool.PutAsync(new JobWithType(typeof(int))).AsTask());

        Assert.Contains(typeof(JobWithType).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public async Task PutAsync_JobOverMaxMessageSize_IsRefusedAndTakesNoPlace()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => (o.MaxMessageSize, o.QueueCapacity) = (1024, 1));

        var ex = await Assert.ThrowsAsync<MpmsSerializationException>(() => pool.PutAsync(new EchoJob(new string('x', 2000))).AsTask());

        Assert.Contains(typeof(EchoJob).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.Contains("MaxMessageSize (1024)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, pool.GetStats().Accepted);
        MpmsJobHandle<string> small = await pool.PutAsync(new EchoJob("small"));
        Assert.Equal("{\"Text\":\"small\",\"Number\":0}", System.Text.Encoding.UTF8.GetString(small.Pending<EchoJob, string>().Payload.Span));
    }

    [Fact]
    public async Task PutAsync_JobExactlyAtMaxMessageSize_IsAccepted()
    {
        const int Max = 1024;
        int overhead = "{\"Text\":\"\",\"Number\":0}".Length;
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.MaxMessageSize = Max);

        MpmsJobHandle<string> handle = await pool.PutAsync(new EchoJob(new string('x', Max - overhead)));

        Assert.Equal(Max, handle.Pending<EchoJob, string>().PayloadLength);
    }

    [Fact]
    public async Task PutAsync_ThroughTheRouteInterface_AcceptsTheJob()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        IJobRoute route = pool.Puts;

        MpmsJobHandle<string> handle = await route.PutAsync<string>(new EchoJob("a"), null, CancellationToken.None);

        Assert.Equal((typeof(EchoJob), typeof(string), Pools.Name), (route.JobType, route.ResultType, route.PoolName));
        Assert.Equal("a", handle.Pending<EchoJob, string>().Job.Text);
    }

    public sealed record JobWithType(Type Kind);

    private sealed class Collector(bool fail) : IMpmsCollector<EchoJob, string>
    {
        public List<MpmsResult<EchoJob, string>> Seen { get; } = [];

        public ValueTask CollectAsync(MpmsResult<EchoJob, string> result, CancellationToken cancellationToken)
        {
            Seen.Add(result);
            return fail ? throw new InvalidOperationException("collector broke") : ValueTask.CompletedTask;
        }
    }

    private sealed class PuttingCollector(IMpmsQueue<EchoJob, string> queue) : IMpmsCollector<EchoJob, string>
    {
        public TaskCompletionSource<MpmsJobHandle<string>> Put { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask CollectAsync(MpmsResult<EchoJob, string> result, CancellationToken cancellationToken) =>
            Put.TrySetResult(await queue.PutAsync(new EchoJob("found", 1), cancellationToken));
    }

    private sealed class FailingSerializer : IMpmsSerializer
    {
        public NotSupportedException Thrown { get; } = new("cannot write this");

        public void Serialize<T>(T value, IBufferWriter<byte> destination) => throw Thrown;

        public T Deserialize<T>(ReadOnlySpan<byte> source) => throw Thrown;
    }
}
