using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class FrameOutboxTests
{
    [Fact]
    public async Task RunAsync_FramesPostedBeforeComplete_AreAllWrittenInOrder()
    {
        byte[] bytes = await Wire.EncodeAsync(outbox =>
        {
            for (int i = 0; i < 1000; i++)
            {
                outbox.Post(new SmallFrame(FrameType.Credit, 4, i));
            }

            outbox.Post(new SmallFrame(FrameType.Heartbeat, 0, 0));
        });

        List<(FrameType Type, byte[] Body)> frames = Wire.Decode(bytes);
        Assert.Equal(1001, frames.Count);
        Assert.Equal(Enumerable.Range(0, 1000), frames.Take(1000).Select(f => BitConverter.ToInt32(f.Body)));
        Assert.Equal(FrameType.Heartbeat, frames[^1].Type);
        Assert.Empty(frames[^1].Body);
    }

    [Fact]
    public void Post_AfterComplete_IsDroppedAndSaysSo()
    {
        using var outbox = new FrameOutbox();
        Assert.True(outbox.Post(new SmallFrame(FrameType.Ready, 0, 0)));

        outbox.Complete();

        Assert.False(outbox.Post(new SmallFrame(FrameType.Heartbeat, 0, 0)));
        Assert.False(outbox.Post(new SmallFrame(FrameType.Cancel, 8, 1)));
    }

    [Fact]
    public async Task RunAsync_FramesPostedWhileRunning_AreWrittenAndRunEndsAfterComplete()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        using var outbox = new FrameOutbox();
        Task<byte[]> reading = Wire.ReadToEndAsync(pair.Right);
        Task running = outbox.RunAsync(pair.Left, CancellationToken.None);

        // Posted from another thread while the sender loop waits for work.
        await Task.Run(() =>
        {
            for (long i = 0; i < 100; i++)
            {
                outbox.Post(new SmallFrame(FrameType.Cancel, 8, i));
            }
        });
        outbox.Complete();
        await running.WaitAsync(Wire.HangGuard);
        pair.Left.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        List<(FrameType Type, byte[] Body)> frames = Wire.Decode(await reading.WaitAsync(Wire.HangGuard));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), frames.Select(f => BitConverter.ToInt64(f.Body)));
    }

    [Fact]
    public async Task Complete_FramesEnqueuedButNeverFlushed_WritesThemAndCompletes()
    {
        var pipe = new System.IO.Pipelines.Pipe();
        using var outbox = new FrameOutbox();
        outbox.Start(pipe.Writer);
        Assert.True(outbox.Enqueue(SmallFrames.Returned(42)));

        outbox.Complete();

        await outbox.Completion.WaitAsync(Wire.HangGuard);
        System.IO.Pipelines.ReadResult read = await pipe.Reader.ReadAsync();
        (FrameType type, byte[] body) = Assert.Single(Wire.Decode(read.Buffer));
        Assert.Equal((FrameType.Returned, 42L), (type, BitConverter.ToInt64(body)));
    }
}
