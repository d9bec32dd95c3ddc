using System.Buffers;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

/// <summary>
/// How a link ends, over an in-memory pipe pair: <see cref="Link.CloseAsync"/> writes what was posted before it and then
/// ends the stream; <see cref="Link.DisposeAsync"/> ends it at once, also when the peer never reads; both are idempotent.
/// And <see cref="FrameOutbox.WaitWrittenAsync"/>, which tells when a frame has been handed to the output.
/// </summary>
public sealed class LinkTeardownTests
{
    private const int MaxBody = 4 * 1024 * 1024;

    /// <summary>Over the pipe's pause threshold (64 KiB): a peer that does not read leaves the write pending.</summary>
    private const int PipeFilling = 1024 * 1024;

    [Fact]
    public async Task CloseAsync_FramesPostedBefore_AreReceivedThenPeerRunAsyncReturns()
    {
        await using var links = LinkPair.Create();
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(links.Worker.Outbox.Post(SmallFrames.Credit(i)));
        }

        Assert.True(links.Worker.Outbox.Post(new JobFrame(1, 0, 1, null, new byte[PipeFilling])));
        Assert.True(links.Worker.Outbox.Post(SmallFrames.Leaving(MpmsProcessExitReason.Recycled)));

        // The peer starts reading only now: the close waits for the pipe to drain, then ends the stream.
        Task closing = links.Worker.CloseAsync(Wire.HangGuard);
        var received = new FrameRecorder();
        await links.Application.RunAsync(received, MaxBody, CancellationToken.None).WaitAsync(Wire.HangGuard);
        await closing.WaitAsync(Wire.HangGuard);

        IReadOnlyList<(FrameType Type, byte[] Body)> frames = received.Frames;
        Assert.Equal(1002, frames.Count);
        Assert.Equal(Enumerable.Range(0, 1000), frames.Take(1000).Select(f => SmallFrames.ReadInt32(new ReadOnlySequence<byte>(f.Body))));
        Assert.Equal(FrameType.Job, frames[1000].Type);
        Assert.Equal(MpmsProcessExitReason.Recycled, SmallFrames.ReadReason(new ReadOnlySequence<byte>(frames[1001].Body)));
    }

    [Fact]
    public async Task Post_AfterCloseAsyncBegan_ReturnsFalseAndTheFrameNeverArrives()
    {
        await using var links = LinkPair.Create();
        var received = new FrameRecorder();
        Task running = links.Application.RunAsync(received, MaxBody, CancellationToken.None);
        Assert.True(links.Worker.Outbox.Post(SmallFrames.Ready()));

        Task closing = links.Worker.CloseAsync(Wire.HangGuard);

        Assert.False(links.Worker.Outbox.Post(SmallFrames.Credit(1)));
        Assert.False(links.Worker.Outbox.Enqueue(SmallFrames.Credit(2)));
        Assert.False(links.Worker.Outbox.Enqueue(SmallFrames.Credit(3), out _));
        await closing.WaitAsync(Wire.HangGuard);
        await running.WaitAsync(Wire.HangGuard);
        Assert.Equal(FrameType.Ready, Assert.Single(received.Frames).Type);
    }

    [Fact]
    public async Task Post_AfterDisposeAsync_ReturnsFalse()
    {
        await using var links = LinkPair.Create();

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);

        Assert.False(links.Worker.Outbox.Post(SmallFrames.Ready()));
    }

    [Fact]
    public async Task CloseAsync_PeerNeverReads_GivesUpAfterTheFlushTimeoutAndEndsTheLink()
    {
        await using var links = LinkPair.Create();
        Assert.True(links.Worker.Outbox.Post(new JobFrame(1, 0, 1, null, new byte[PipeFilling])));

        // The write is stuck behind a peer that does not read; a zero flush timeout gives up on it at once.
        await links.Worker.CloseAsync(TimeSpan.Zero).WaitAsync(Wire.HangGuard);

        var received = new FrameRecorder();
        await links.Application.RunAsync(received, MaxBody, CancellationToken.None).WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task DisposeAsync_PeerNeverReadsAndThePipeIsFull_ReturnsAndPeerRunAsyncEnds()
    {
        await using var links = LinkPair.Create();
        Assert.True(links.Worker.Outbox.Post(new JobFrame(1, 0, 1, null, new byte[PipeFilling])));
        Assert.True(links.Worker.Outbox.Post(SmallFrames.Credit(1)));

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);

        // The job had reached the pipe and is still read; the credit was waiting behind it in the outbox and is dropped.
        var received = new FrameRecorder();
        await links.Application.RunAsync(received, MaxBody, CancellationToken.None).WaitAsync(Wire.HangGuard);
        Assert.Equal([FrameType.Job], received.Frames.Select(f => f.Type));
    }

    [Fact]
    public async Task DisposeAsync_PeerWaitingInRunAsync_PeerRunAsyncReturns()
    {
        await using var links = LinkPair.Create();
        Task peerRunning = links.Application.RunAsync(new FrameRecorder(), MaxBody, CancellationToken.None);
        Assert.False(peerRunning.IsCompleted);

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);

        await peerRunning.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task DisposeAsync_OwnRunAsyncWaiting_RunAsyncReturns()
    {
        await using var links = LinkPair.Create();
        Task running = links.Worker.RunAsync(new FrameRecorder(), MaxBody, CancellationToken.None);
        Assert.False(running.IsCompleted);

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);

        await running.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task DisposeAsync_PeerPostsAfterwards_PeerPostIsHarmless()
    {
        await using var links = LinkPair.Create();

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);
        links.Application.Outbox.Post(SmallFrames.Credit(1));

        // The peer's write fails quietly (its reader is gone): its outbox ends instead of throwing at the poster.
        await Task.WhenAny(links.Application.Outbox.Completion).WaitAsync(Wire.HangGuard);
        Assert.True(links.Application.Outbox.Completion.IsFaulted);
        Assert.False(links.Application.Outbox.Post(SmallFrames.Credit(2)));
    }

    [Fact]
    public async Task CloseAsync_Twice_IsHarmless()
    {
        await using var links = LinkPair.Create();
        Task running = links.Application.RunAsync(new FrameRecorder(), MaxBody, CancellationToken.None);

        await links.Worker.CloseAsync(Wire.HangGuard).WaitAsync(Wire.HangGuard);
        await links.Worker.CloseAsync(Wire.HangGuard).WaitAsync(Wire.HangGuard);

        await running.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task CloseAsync_FromTwoThreadsAtOnce_BothReturn()
    {
        await using var links = LinkPair.Create();
        Task running = links.Application.RunAsync(new FrameRecorder(), MaxBody, CancellationToken.None);
        Assert.True(links.Worker.Outbox.Post(SmallFrames.Ready()));

        await Task.WhenAll(
            Task.Run(() => links.Worker.CloseAsync(Wire.HangGuard)),
            Task.Run(() => links.Worker.CloseAsync(Wire.HangGuard))).WaitAsync(Wire.HangGuard);

        await running.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task DisposeAsync_Twice_IsHarmless()
    {
        await using var links = LinkPair.Create();
        Task running = links.Application.RunAsync(new FrameRecorder(), MaxBody, CancellationToken.None);

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);
        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);

        await running.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task CloseAsync_AfterDisposeAsync_IsHarmless()
    {
        await using var links = LinkPair.Create();

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);
        await links.Worker.CloseAsync(Wire.HangGuard).WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task CloseAsync_FrameEnqueuedWithoutAFlush_IsWrittenAndCloseReturns()
    {
        await using var links = LinkPair.Create();
        var received = new FrameRecorder();
        Task running = links.Application.RunAsync(received, MaxBody, CancellationToken.None);

        Assert.True(links.Worker.Outbox.Enqueue(SmallFrames.Credit(4)));
        await links.Worker.CloseAsync(Wire.HangGuard).WaitAsync(Wire.HangGuard);

        await running.WaitAsync(Wire.HangGuard);
        Assert.Equal(FrameType.Credit, Assert.Single(received.Frames).Type);
    }

    [Fact]
    public async Task DisposeAsync_FrameEnqueuedWithoutAFlush_Returns()
    {
        await using var links = LinkPair.Create();

        Assert.True(links.Worker.Outbox.Enqueue(SmallFrames.Credit(4)));

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task WaitWrittenAsync_ThisThreadsFlushWroteIt_IsAlreadyComplete()
    {
        await using var links = LinkPair.Create();
        FrameOutbox outbox = links.Worker.Outbox;

        Assert.True(outbox.Enqueue(SmallFrames.Returned(5), out long end));
        outbox.Flush();

        Assert.True(outbox.WaitWrittenAsync(end).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitWrittenAsync_PeerNotReadingYet_CompletesOnceThePeerMakesRoom()
    {
        await using var links = LinkPair.Create();
        FrameOutbox outbox = links.Worker.Outbox;
        Assert.True(outbox.Post(new JobFrame(1, 0, 1, null, new byte[PipeFilling])));
        Assert.True(outbox.Enqueue(SmallFrames.Returned(1), out long end));
        outbox.Flush();

        // The first write waits for the peer; the small frame is behind it.
        Task written = outbox.WaitWrittenAsync(end);
        Assert.False(written.IsCompleted);

        var received = new FrameRecorder();
        Task running = links.Application.RunAsync(received, MaxBody, CancellationToken.None);
        await written.WaitAsync(Wire.HangGuard);
        await received.WaitForAsync(2);
        Assert.Equal([FrameType.Job, FrameType.Returned], received.Frames.Select(f => f.Type));
        await links.Worker.CloseAsync(Wire.HangGuard).WaitAsync(Wire.HangGuard);
        await running.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task WaitWrittenAsync_EarlierPositionThanTheStuckWrite_IsComplete()
    {
        await using var links = LinkPair.Create();
        FrameOutbox outbox = links.Worker.Outbox;
        Assert.True(outbox.Enqueue(SmallFrames.Returned(1), out long first));
        outbox.Flush();
        Assert.True(outbox.Post(new JobFrame(2, 0, 1, null, new byte[PipeFilling])));

        Assert.True(outbox.WaitWrittenAsync(first).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitWrittenAsync_LinkDisposedBeforeTheFrameWasWritten_Completes()
    {
        await using var links = LinkPair.Create();
        FrameOutbox outbox = links.Worker.Outbox;
        Assert.True(outbox.Post(new JobFrame(1, 0, 1, null, new byte[PipeFilling])));
        Assert.True(outbox.Enqueue(SmallFrames.Returned(1), out long end));
        outbox.Flush();
        Task written = outbox.WaitWrittenAsync(end);
        Assert.False(written.IsCompleted);

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);

        await written.WaitAsync(Wire.HangGuard);
    }
}
