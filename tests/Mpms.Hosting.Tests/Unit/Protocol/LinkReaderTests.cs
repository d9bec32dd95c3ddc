using System.Buffers;
using System.Net.Sockets;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class LinkReaderTests
{
    private const int Cap = 1024;

    [Fact]
    public async Task RunAsync_FramesFromAnOutbox_ReachTheHandlerInOrderAndEndWithTheStream()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        byte[] bytes = await Wire.EncodeAsync(o =>
        {
            o.Post(new SmallFrame(FrameType.Ready, 0, 0));
            o.Post(new SmallFrame(FrameType.Credit, 4, 3));
            o.Post(new JobFrame(1, 2, 1, null, new byte[Cap - 21]));
        });
        await pair.Left.SendAsync(bytes);
        pair.Left.Shutdown(SocketShutdown.Send);
        var handler = new RecordingHandler();

        await using (var reader = new SocketInbox(pair.Right))
        {
            await reader.RunAsync(handler, Cap, CancellationToken.None).WaitAsync(Wire.HangGuard);
        }

        Assert.Equal([FrameType.Ready, FrameType.Credit, FrameType.Job], handler.Frames.Select(f => f.Type));
        Assert.Equal(Cap, handler.Frames[2].Body.Length);
    }

    [Fact]
    public async Task RunAsync_HeaderOverTheCap_ThrowsWithoutWaitingForTheBody()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var reader = new SocketInbox(pair.Right);

        // Only the header is sent and the connection stays open: just the length check can end the read.
        await pair.Left.SendAsync(Wire.Header(Cap + 2, (byte)FrameType.Job));
        Task running = reader.RunAsync(new RecordingHandler(), Cap, CancellationToken.None);

        await Assert.ThrowsAsync<MpmsProtocolException>(() => running.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task ReadOneAsync_HeaderOverTheCap_ThrowsWithoutWaitingForTheBody()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var reader = new SocketInbox(pair.Right);

        await pair.Left.SendAsync(Wire.Header(uint.MaxValue, (byte)FrameType.Hello));
        Task reading = reader.ReadOneAsync(Cap, CancellationToken.None);

        await Assert.ThrowsAsync<MpmsProtocolException>(() => reading.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task RunAsync_BodyAtTheCapSentLater_IsDelivered()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var reader = new SocketInbox(pair.Right);
        var handler = new RecordingHandler();

        await pair.Left.SendAsync(Wire.Header(Cap + 1, (byte)FrameType.Job));
        Task running = reader.RunAsync(handler, Cap, CancellationToken.None);
        await pair.Left.SendAsync(new byte[Cap]);
        pair.Left.Shutdown(SocketShutdown.Send);
        await running.WaitAsync(Wire.HangGuard);

        Assert.Equal(Cap, Assert.Single(handler.Frames).Body.Length);
    }

    [Fact]
    public async Task RunAsync_StreamEndsInsideAFrame_Throws()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var reader = new SocketInbox(pair.Right);
        var handler = new RecordingHandler();

        await pair.Left.SendAsync(Wire.Frame((byte)FrameType.Ready, []).Concat(Wire.Frame((byte)FrameType.Credit, [1, 0, 0, 0])[..7]).ToArray());
        pair.Left.Shutdown(SocketShutdown.Send);

        var ex = await Assert.ThrowsAsync<MpmsProtocolException>(() => reader.RunAsync(handler, Cap, CancellationToken.None).WaitAsync(Wire.HangGuard));
        Assert.Contains("inside a frame", ex.Message, StringComparison.Ordinal);
        Assert.Equal(FrameType.Ready, Assert.Single(handler.Frames).Type);
    }

    [Fact]
    public async Task RunAsync_HandlerRejectsAFrame_ThrowsItsException()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var reader = new SocketInbox(pair.Right);
        var handler = new RecordingHandler { Reject = FrameType.Drain };

        await pair.Left.SendAsync(Wire.Frame((byte)FrameType.Drain, [1]));

        await Assert.ThrowsAsync<MpmsProtocolException>(() => reader.RunAsync(handler, Cap, CancellationToken.None).WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task ReadOneAsync_TwoFramesInOneWrite_ReturnsTheFirstAndLeavesTheSecondForRunAsync()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var reader = new SocketInbox(pair.Right);
        var handler = new RecordingHandler();
        byte[] both = [.. Wire.Frame((byte)FrameType.Hello, "{}"u8), .. Wire.Frame((byte)FrameType.Credit, [2, 0, 0, 0])];

        await pair.Left.SendAsync(both);
        pair.Left.Shutdown(SocketShutdown.Send);
        (FrameType type, byte[] body) = await reader.ReadOneAsync(Cap, CancellationToken.None).WaitAsync(Wire.HangGuard);
        await reader.RunAsync(handler, Cap, CancellationToken.None).WaitAsync(Wire.HangGuard);

        Assert.Equal(FrameType.Hello, type);
        Assert.Equal("{}"u8.ToArray(), body);
        Assert.Equal(FrameType.Credit, Assert.Single(handler.Frames).Type);
    }

    [Fact]
    public async Task ReadOneAsync_StreamEndsBeforeAnyFrame_Throws()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var reader = new SocketInbox(pair.Right);

        pair.Left.Shutdown(SocketShutdown.Send);

        var ex = await Assert.ThrowsAsync<MpmsProtocolException>(() => reader.ReadOneAsync(Cap, CancellationToken.None).WaitAsync(Wire.HangGuard));
        Assert.Contains("before the first frame", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOneAsync_StreamEndsInsideTheFirstFrame_Throws()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var reader = new SocketInbox(pair.Right);

        await pair.Left.SendAsync(Wire.Frame((byte)FrameType.Hello, "{\"a\":1}"u8)[..8]);
        pair.Left.Shutdown(SocketShutdown.Send);

        var ex = await Assert.ThrowsAsync<MpmsProtocolException>(() => reader.ReadOneAsync(Cap, CancellationToken.None).WaitAsync(Wire.HangGuard));
        Assert.Contains("inside a frame", ex.Message, StringComparison.Ordinal);
    }

    internal sealed class RecordingHandler : IFrameHandler
    {
        public List<(FrameType Type, byte[] Body)> Frames { get; } = [];

        public FrameType? Reject { get; init; }

        public void OnFrame(FrameType type, in ReadOnlySequence<byte> body)
        {
            if (type == Reject)
            {
                throw new MpmsProtocolException($"{type} is not acceptable here.");
            }

            Frames.Add((type, body.ToArray()));
        }
    }
}
