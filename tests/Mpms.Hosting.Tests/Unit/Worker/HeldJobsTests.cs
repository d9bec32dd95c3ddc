using Mpms.Hosting.Protocol;
using Mpms.Hosting.Worker;
using Microsoft.Extensions.Time.Testing;

namespace Mpms.Hosting.Tests.Unit.Worker;

public sealed class HeldJobsTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private readonly OutboxTap _tap = new();
    private readonly WorkerSession _session;

    public HeldJobsTests() => _session = WorkerTestKit.Session(_tap, _time, WorkerTestKit.Settings(threads: 2));

    private HeldJobs Jobs => _session.Jobs;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _tap.DisposeAsync();
    }

    [Fact]
    public async Task PutBack_ASiblingThreadHasRoom_QueuesTheJobAgain()
    {
        WorkerTestKit.ThreadsLive(_session, 2);
        WorkerJob job = WorkerTestKit.Job(1);
        Jobs.TryReceive(job);
        Assert.True(Jobs.Queue.TryRead(out _));
        await _tap.FramesUntilNowAsync();

        Jobs.PutBack(job);

        Assert.True(Jobs.Queue.TryRead(out WorkerJob? again));
        Assert.Same(job, again);
        Assert.Empty(await _tap.FramesUntilNowAsync());
    }

    [Fact]
    public async Task PutBack_ThreadLeftAndItsSiblingIsBusy_HandsTheJobBackToTheApplication()
    {
        WorkerTestKit.ThreadsLive(_session, 2);
        Jobs.TryReceive(WorkerTestKit.Job(1));
        WorkerJob job = WorkerTestKit.Job(2);
        Jobs.TryReceive(job);
        Jobs.Queue.TryRead(out _);
        Jobs.Queue.TryRead(out _);
        await _tap.FramesUntilNowAsync();

        // The thread that took job 2 is past its lifetime: it leaves first, then puts the job back.
        _session.Census.OnThreadRetired();
        Jobs.PutBack(job);

        (FrameType type, byte[] body) = Assert.Single(await _tap.FramesUntilNowAsync());
        Assert.Equal(FrameType.Returned, type);
        Assert.Equal(2, WorkerTestKit.Int64(body));
        Assert.False(Jobs.Queue.TryRead(out _));
        Assert.Equal(1, _session.Ledger.Held);
    }

    [Fact]
    public async Task GiveBack_JobStartedAlready_WritesNothing()
    {
        WorkerTestKit.ThreadsLive(_session, 1);
        WorkerJob job = WorkerTestKit.Job(1);
        Jobs.TryReceive(job);
        await _tap.FramesUntilNowAsync();
        Assert.True(job.TryStart());

        Jobs.GiveBack(job);

        Assert.Empty(await _tap.FramesUntilNowAsync());
        Assert.Equal(1, _session.Ledger.Held);
    }

    [Fact]
    public async Task GiveBack_JobNotStarted_WritesReturnedWithTheCreditItFrees()
    {
        WorkerTestKit.ThreadsLive(_session, 1);
        WorkerJob job = WorkerTestKit.Job(1);
        Jobs.TryReceive(job);
        await _tap.FramesUntilNowAsync();

        Jobs.GiveBack(job);

        Assert.Equal([FrameType.Returned, FrameType.Credit], await _tap.TypesUntilNowAsync());
        Assert.Empty(Jobs.All);
    }

    [Fact]
    public async Task ReturnUnstarted_JobsQueued_HandsEachBackInOrder()
    {
        WorkerTestKit.ThreadsLive(_session, 2);
        Jobs.TryReceive(WorkerTestKit.Job(1));
        Jobs.TryReceive(WorkerTestKit.Job(2));
        _session.Ledger.Close();
        await _tap.FramesUntilNowAsync();

        Jobs.ReturnUnstarted();

        List<(FrameType Type, byte[] Body)> frames = await _tap.FramesUntilNowAsync();
        Assert.Equal([FrameType.Returned, FrameType.Returned], frames.Select(f => f.Type));
        Assert.Equal([1L, 2L], frames.Select(f => WorkerTestKit.Int64(f.Body)));
        Assert.Equal(0, _session.Ledger.Held);
    }

    [Fact]
    public async Task Reclaim_JobsHeldAhead_HandsBackOnlyThoseNoThreadTookThenSaysHowMany()
    {
        await using var tap = new OutboxTap();
        await using WorkerSession session = WorkerTestKit.Session(tap, _time, WorkerTestKit.Settings(threads: 1, prefetch: 3));
        WorkerTestKit.ThreadsLive(session, 1);
        for (long sequence = 1; sequence <= 4; sequence++)
        {
            Assert.True(session.Jobs.TryReceive(WorkerTestKit.Job(sequence)));
        }

        // The thread took job 1 and runs it; job 2 was canceled while it waited.
        Assert.True(session.Jobs.Queue.TryRead(out WorkerJob? running));
        Assert.True(running.TryStart());
        session.Jobs.Cancel(2);
        await tap.FramesUntilNowAsync();

        session.Jobs.Reclaim(5);

        List<(FrameType Type, byte[] Body)> frames = await tap.FramesUntilNowAsync();
        Assert.Equal([3L, 4L], frames.Where(f => f.Type == FrameType.Returned).Select(f => WorkerTestKit.Int64(f.Body)));
        (FrameType _, byte[] answer) = Assert.Single(frames, f => f.Type == FrameType.Reclaimed);
        Assert.Equal(2, WorkerTestKit.Int32(answer));
        Assert.Equal(FrameType.Reclaimed, frames[^1].Type);
        Assert.Same(running, Assert.Single(session.Jobs.All));
    }

    [Fact]
    public async Task Reclaim_FewerAskedThanHeldAhead_HandsBackTheOldestOnly()
    {
        await using var tap = new OutboxTap();
        await using WorkerSession session = WorkerTestKit.Session(tap, _time, WorkerTestKit.Settings(threads: 1, prefetch: 3));
        WorkerTestKit.ThreadsLive(session, 1);
        for (long sequence = 1; sequence <= 3; sequence++)
        {
            session.Jobs.TryReceive(WorkerTestKit.Job(sequence));
        }

        await tap.FramesUntilNowAsync();

        session.Jobs.Reclaim(1);

        List<(FrameType Type, byte[] Body)> frames = await tap.FramesUntilNowAsync();
        Assert.Equal([1L], frames.Where(f => f.Type == FrameType.Returned).Select(f => WorkerTestKit.Int64(f.Body)));
        Assert.Equal(1, WorkerTestKit.Int32(Assert.Single(frames, f => f.Type == FrameType.Reclaimed).Body));
        Assert.Equal(2, session.Ledger.Held);
    }
}
