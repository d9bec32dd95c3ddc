using System.Buffers;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

public sealed class PendingJobTests : IDisposable
{
    private readonly UnitPool<EchoJob, string> _pool = Pools.Create();

    public void Dispose() => _pool.Dispose();

    [Fact]
    public void New_IsQueuedWithItsIdAndAcceptedTime()
    {
        var at = new DateTimeOffset(2025, 3, 4, 5, 6, 7, 8, TimeSpan.Zero);
        long high = JobIds.High(at, 77);

        PendingJob<EchoJob, string> job = new(_pool.Queue.Jobs, new EchoJob("x"), 12, high, at, ArrayPool<byte>.Shared.Rent(16), 3);

        Assert.Equal(MpmsJobStatus.Queued, job.Status);
        Assert.False(job.IsDone);
        Assert.Equal(JobIds.Format(high, 12), job.JobId);
        Assert.Equal(at, job.EnqueuedAt);
        Assert.Equal(1, job.Attempt);
        Assert.False(job.Completion.IsCompleted);
        Assert.Equal($"{job.JobId} Queued", job.ToString());
    }

    [Fact]
    public void TryMarkLeased_FromQueued_MovesToRunningOnce()
    {
        PendingJob<EchoJob, string> job = NewJob();

        Assert.True(job.TryMarkLeased());
        Assert.False(job.TryMarkLeased());
        Assert.Equal(MpmsJobStatus.Running, job.Status);
    }

    [Theory]
    [InlineData(MpmsJobStatus.Succeeded)]
    [InlineData(MpmsJobStatus.Failed)]
    [InlineData(MpmsJobStatus.TimedOut)]
    [InlineData(MpmsJobStatus.WorkerLost)]
    [InlineData(MpmsJobStatus.Canceled)]
    public void TryMarkDone_FromSent_TakesTheOutcomeAndSaysItWasSent(MpmsJobStatus status)
    {
        PendingJob<EchoJob, string> job = NewJob();
        job.TryMarkLeased();

        Assert.True(job.TryMarkDone(status, out bool wasLeased));

        Assert.True(wasLeased);
        Assert.True(job.IsDone);
        Assert.Equal(status, job.Status);
    }

    [Fact]
    public void TryMarkDone_FromQueued_SaysItWasNotSent()
    {
        PendingJob<EchoJob, string> job = NewJob();

        Assert.True(job.TryMarkDone(MpmsJobStatus.Canceled, out bool wasLeased));

        Assert.False(wasLeased);
        Assert.Equal(MpmsJobStatus.Canceled, job.Status);
    }

    [Fact]
    public void Done_RefusesEveryFurtherMove()
    {
        PendingJob<EchoJob, string> job = NewJob();
        job.TryMarkLeased();
        job.TryMarkDone(MpmsJobStatus.Succeeded, out _);

        Assert.False(job.TryMarkDone(MpmsJobStatus.Failed, out bool wasLeased));
        Assert.False(wasLeased);
        Assert.False(job.TryMarkLeased());
        Assert.False(job.TryMarkRequeued());
        Assert.False(job.TryMarkCanceledWhileQueued());
        Assert.Equal(MpmsJobStatus.Succeeded, job.Status);
    }

    [Fact]
    public void TryMarkCanceledWhileQueued_Queued_EndsCanceled()
    {
        PendingJob<EchoJob, string> job = NewJob();

        Assert.True(job.TryMarkCanceledWhileQueued());

        Assert.Equal(MpmsJobStatus.Canceled, job.Status);
        Assert.False(job.TryMarkLeased());
    }

    [Fact]
    public void TryMarkCanceledWhileQueued_Sent_RefusesAndKeepsRunning()
    {
        PendingJob<EchoJob, string> job = NewJob();
        job.TryMarkLeased();

        Assert.False(job.TryMarkCanceledWhileQueued());

        Assert.Equal(MpmsJobStatus.Running, job.Status);
    }

    [Fact]
    public void TryMarkRequeued_Sent_GoesBackToQueuedAndForgetsItsLink()
    {
        PendingJob<EchoJob, string> job = NewJob();
        job.TryMarkLeased();
        job.Holder = new RecordingHolder();

        Assert.True(job.TryMarkRequeued());

        Assert.Equal(MpmsJobStatus.Queued, job.Status);
        Assert.Null(job.Holder);
        Assert.True(job.TryMarkLeased());
    }

    [Fact]
    public void TryMarkRequeued_Queued_Refuses()
    {
        PendingJob<EchoJob, string> job = NewJob();

        Assert.False(job.TryMarkRequeued());
        Assert.Equal(MpmsJobStatus.Queued, job.Status);
    }

    [Fact]
    public async Task TryMarkDone_RacedFromSeveralThreads_ExactlyOneWinsPerJob()
    {
        const int Jobs = 2000;
        const int Threads = 4;
        MpmsJobStatus[] statuses = [MpmsJobStatus.Succeeded, MpmsJobStatus.Failed, MpmsJobStatus.TimedOut, MpmsJobStatus.WorkerLost];
        PendingJob<EchoJob, string>[] jobs = [.. Enumerable.Range(0, Jobs).Select(i => NewJob(sequence: i))];
        foreach (PendingJob<EchoJob, string> job in jobs.Where((_, i) => i % 2 == 0))
        {
            job.TryMarkLeased();
        }

        var winners = new int[Jobs, Threads];
        var canceledWhileQueued = new bool[Jobs];
        using var start = new Barrier(Threads + 1);
        Task[] racers = [.. Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (int i = 0; i < Jobs; i++)
                {
                    // Thread 0 also tries the queued-cancel path, which races the same state.
                    if (t == 0 && jobs[i].TryMarkCanceledWhileQueued())
                    {
                        canceledWhileQueued[i] = true;
                    }

                    winners[i, t] = jobs[i].TryMarkDone(statuses[t], out _) ? 1 : 0;
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default))];
        start.SignalAndWait();
        await Task.WhenAll(racers).WaitAsync(Wire.HangGuard);

        for (int i = 0; i < Jobs; i++)
        {
            int wins = Enumerable.Range(0, Threads).Sum(t => winners[i, t]);
            if (canceledWhileQueued[i])
            {
                Assert.Equal(0, wins);
                Assert.Equal(MpmsJobStatus.Canceled, jobs[i].Status);
            }
            else
            {
                Assert.Equal(1, wins);
                int winner = Enumerable.Range(0, Threads).Single(t => winners[i, t] == 1);
                Assert.Equal(statuses[winner], jobs[i].Status);
            }
        }
    }

    [Fact]
    public async Task Complete_WithValue_CompletesTheTaskWithIt()
    {
        PendingJob<EchoJob, string> job = NewJob();

        job.Resolve("done", null);

        Assert.Equal("done", await job.Completion);
        Assert.Equal("done", await job);
    }

    [Fact]
    public async Task Completion_AskedOnlyAfterAnOutcomeMadeForACollector_CompletesWithItAndStaysTheSameTask()
    {
        PendingJob<EchoJob, string> job = NewJob();

        job.Resolve("done", null, ResultOf(job, "done"));
        Task<string> first = job.Completion;

        Assert.Equal("done", await first);
        Assert.Same(first, job.Completion);
    }

    [Fact]
    public async Task Completion_AskedBeforeTheOutcome_IsCompletedByIt()
    {
        PendingJob<EchoJob, string> job = NewJob();
        Task<string> asked = job.Completion;
        Assert.False(asked.IsCompleted);

        job.Resolve("done", null, ResultOf(job, "done"));

        Assert.Equal("done", await asked);
        Assert.Same(asked, job.Completion);
    }

    private static MpmsResult<EchoJob, string> ResultOf(PendingJob<EchoJob, string> job, string value) => new(
        new MpmsResultPool("pool", new Dictionary<string, string>()), job, job.Job, MpmsJobStatus.Succeeded, value, null, null, DateTimeOffset.UnixEpoch, null, null);

    [Fact]
    public async Task Complete_WithException_FaultsTheTaskWithIt()
    {
        PendingJob<EchoJob, string> job = NewJob();
        var error = new MpmsWorkerException("System.Exception", "boom", null, null);

        job.Resolve(null, error);

        Assert.Same(error, await Assert.ThrowsAsync<MpmsWorkerException>(() => job.Completion));
    }

    [Fact]
    public async Task Complete_WithCancellation_CancelsTheTaskWithItsToken()
    {
        PendingJob<EchoJob, string> job = NewJob();
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        job.Resolve(null, new OperationCanceledException("stop", cts.Token));

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Completion);
        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.True(job.Completion.IsCanceled);
    }

    [Fact]
    public void Cancel_WhileSent_AsksItsLinkToCancelItsSequence()
    {
        PendingJob<EchoJob, string> job = NewJob(sequence: 31);
        var link = new RecordingHolder();
        job.TryMarkLeased();
        job.Holder = link;

        job.Cancel();

        Assert.Equal([31L], link.Canceled);
        Assert.True(job.CancelRequested);
        Assert.Equal(MpmsJobStatus.Running, job.Status);
    }

    [Fact]
    public void Cancel_WhenDone_DoesNothing()
    {
        PendingJob<EchoJob, string> job = NewJob(sequence: 31);
        var link = new RecordingHolder();
        job.TryMarkLeased();
        job.Holder = link;
        job.TryMarkDone(MpmsJobStatus.Succeeded, out _);

        job.Cancel();

        Assert.Empty(link.Canceled);
        Assert.Equal(MpmsJobStatus.Succeeded, job.Status);
    }

    private PendingJob<EchoJob, string> NewJob(long sequence = 1, long idHigh = 1) =>
        new(_pool.Queue.Jobs, new EchoJob("x"), sequence, idHigh, DateTimeOffset.UtcNow, ArrayPool<byte>.Shared.Rent(16), 3);
}
