using Mpms.Hosting.Protocol;
using Mpms.Hosting.Worker;
using Microsoft.Extensions.Time.Testing;

namespace Mpms.Hosting.Tests.Unit.Worker;

public sealed class WorkerFrameHandlerTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private readonly OutboxTap _tap = new();
    private readonly WorkerSession _session;

    public WorkerFrameHandlerTests() => _session = WorkerTestKit.Session(_tap, _time, WorkerTestKit.Settings(threads: 1));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _tap.DisposeAsync();
    }

    [Fact]
    public void OnFrame_JobOnCredit_QueuesItWithItsIdAttemptAndPayload()
    {
        WorkerTestKit.ThreadsLive(_session, 1);

        Deliver(new JobFrame(9, 0x0123_4567_0001, 2, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "payload"u8.ToArray()));

        Assert.True(_session.Jobs.Queue.TryRead(out WorkerJob? job));
        Assert.Equal(9, job.Sequence);
        Assert.Equal(2, job.Attempt);
        Assert.Equal(JobIds.Format(0x0123_4567_0001, 9), job.JobId);
        Assert.Equal("payload"u8.ToArray(), job.Payload.ToArray());
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", job.TraceParent);
        Assert.Equal(1, _session.Ledger.Held);
    }

    [Fact]
    public void OnFrame_JobWithoutCredit_IsAProtocolErrorAndNothingIsHeld()
    {
        Assert.Throws<MpmsProtocolException>(() => Deliver(new JobFrame(1, 0, 1, null, "x"u8.ToArray())));

        Assert.Equal(0, _session.Ledger.Held);
        Assert.False(_session.Jobs.Queue.TryRead(out _));
    }

    [Fact]
    public async Task OnFrame_JobAfterTheProcessSaidItLeaves_IsHandedBack()
    {
        WorkerTestKit.ThreadsLive(_session, 1);
        _session.Leave.BeginLeaving(MpmsProcessExitReason.GracefulDie);
        await _tap.FramesUntilNowAsync();

        Deliver(new JobFrame(4, 0, 1, null, "x"u8.ToArray()));

        (FrameType type, byte[] body) = Assert.Single(await _tap.FramesUntilNowAsync());
        Assert.Equal(FrameType.Returned, type);
        Assert.Equal(4, WorkerTestKit.Int64(body));
        Assert.False(_session.Jobs.Queue.TryRead(out _));
        Assert.Equal(0, _session.Ledger.Held);
    }

    [Fact]
    public async Task OnFrame_CancelOfAQueuedJob_EndsItCanceledAndAsksForTheNextJob()
    {
        WorkerTestKit.ThreadsLive(_session, 1);
        Deliver(new JobFrame(3, 0, 1, null, "x"u8.ToArray()));
        await _tap.FramesUntilNowAsync();
        _time.Advance(TimeSpan.FromSeconds(1));

        Deliver(SmallFrames.Cancel(3));

        List<(FrameType Type, byte[] Body)> frames = await _tap.FramesUntilNowAsync();
        Assert.Equal([FrameType.Result, FrameType.Credit], frames.Select(f => f.Type));
        ResultFrame result = ResultFrame.Read(new(frames[0].Body));
        Assert.Equal(3, result.Sequence);
        Assert.Equal(WireStatus.Canceled, result.Status);
        Assert.Equal(_time.GetUtcNow().UtcTicks, result.FinishedTicks);
        Assert.Equal(1, WorkerTestKit.Int32(frames[1].Body));

        // The thread that takes it later finds it withdrawn and does not run it.
        Assert.True(_session.Jobs.Queue.TryRead(out WorkerJob? job));
        Assert.False(job.TryStart());
    }

    [Fact]
    public async Task OnFrame_CancelOfAJobThatEndedAlready_IsIgnored()
    {
        Deliver(SmallFrames.Cancel(42));

        Assert.Empty(await _tap.FramesUntilNowAsync());
    }

    [Fact]
    public async Task OnFrame_Drain_LeavesForTheDrainsReasonAndKnowsTheDrainCame()
    {
        Deliver(SmallFrames.Drain(MpmsProcessExitReason.Recycled));

        Assert.True(_session.Leave.DrainReceived);
        Assert.Equal(MpmsProcessExitReason.Recycled, _session.Leave.Reason);
        Assert.Equal([FrameType.Leaving], await _tap.TypesUntilNowAsync());
    }

    [Fact]
    public void OnFrame_DrainWithAReasonThisVersionDoesNotKnow_LeavesAsShutdown()
    {
        Deliver(new SmallFrame(FrameType.Drain, 1, 200));

        Assert.Equal(MpmsProcessExitReason.Shutdown, _session.Leave.Reason);
    }

    [Theory]
    [InlineData((byte)FrameType.Result)]
    [InlineData((byte)FrameType.Credit)]
    [InlineData((byte)FrameType.Welcome)]
    public void OnFrame_AFrameTheApplicationMayNotSend_IsAProtocolError(byte type)
    {
        Assert.Throws<MpmsProtocolException>(() => Deliver(new SmallFrame((FrameType)type, 4, 1)));
    }

    private void Deliver<TFrame>(in TFrame frame)
        where TFrame : IOutgoingFrame
    {
        (FrameType type, System.Buffers.ReadOnlySequence<byte> body) = WorkerTestKit.Encode(frame);
        _session.FrameHandler.OnFrame(type, body);
    }
}
