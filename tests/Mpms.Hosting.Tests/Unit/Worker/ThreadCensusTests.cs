using Mpms.Hosting.Protocol;
using Mpms.Hosting.Worker;
using Microsoft.Extensions.Time.Testing;

namespace Mpms.Hosting.Tests.Unit.Worker;

public sealed class ThreadCensusTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private readonly OutboxTap _tap = new();
    private readonly WorkerSession _session;

    public ThreadCensusTests() => _session = WorkerTestKit.Session(_tap, _time, WorkerTestKit.Settings(threads: 2, prefetch: 1));

    private ThreadCensus Census => _session.Census;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _tap.DisposeAsync();
    }

    [Fact]
    public async Task OnThreadLive_FirstThread_WritesItsCreditAndThePrefetchAtOnce()
    {
        Census.ThreadsStarting(2);

        Census.OnThreadLive();

        (FrameType type, byte[] body) = Assert.Single(await _tap.FramesUntilNowAsync());
        Assert.Equal(FrameType.Credit, type);
        Assert.Equal(2, WorkerTestKit.Int32(body));
    }

    [Fact]
    public async Task OnThreadRetired_LastThread_LeavesAsRecycled()
    {
        Census.ThreadsStarting(2);
        Census.OnThreadLive();
        Census.OnThreadLive();
        Census.OnThreadRetired();
        Assert.False(_session.Leave.IsLeaving);

        Census.OnThreadRetired();

        Assert.Equal(MpmsProcessExitReason.Recycled, _session.Leave.Reason);
        Assert.Equal(FrameType.Leaving, (await _tap.TypesUntilNowAsync())[^1]);
    }

    [Fact]
    public void OnThreadStartFailed_EveryThreadFailedItsInitializer_DoesNotLeaveAsRecycled()
    {
        Census.ThreadsStarting(2);

        Census.OnThreadStartFailed();
        Census.OnThreadStartFailed();

        // The runner sees every thread finished without one ever live: a failed start, not a recycle.
        Assert.False(_session.Leave.IsLeaving);
    }

    [Fact]
    public void OnThreadStartFailed_LastOneAfterASiblingRanAndRetired_LeavesAsRecycled()
    {
        Census.ThreadsStarting(2);
        Census.OnThreadLive();
        Census.OnThreadRetired();
        Assert.False(_session.Leave.IsLeaving); // the sibling may still become live

        Census.OnThreadStartFailed();

        Assert.Equal(MpmsProcessExitReason.Recycled, _session.Leave.Reason);
    }
}
