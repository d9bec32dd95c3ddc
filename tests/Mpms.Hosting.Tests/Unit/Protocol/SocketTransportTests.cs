using System.Buffers;
using System.Net.Sockets;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

/// <summary>A socket link's reading: on a thread of its own, ended by an abort or a cancellation even while nothing arrives.</summary>
public sealed class SocketTransportTests
{
    private const int Cap = 1024;

    [Fact]
    public async Task RunReaderAsync_Frames_AreHandledOnTheLinksOwnThreadNotOnThePool()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var transport = new SocketTransport(pair.Right);
        await pair.Left.SendAsync(await Wire.EncodeAsync(o => o.Post(new SmallFrame(FrameType.Ready, 0, 0))));
        pair.Left.Shutdown(SocketShutdown.Send);
        var handler = new ThreadRecorder();

        await RunAsync(transport, handler, CancellationToken.None).WaitAsync(Wire.HangGuard);

        Assert.Equal([FrameType.Ready], handler.Frames);
        Assert.Equal([("Mpms link reader", false)], handler.Threads);
    }

    [Fact]
    public async Task Abort_WhileNothingArrives_EndsTheReadAsTheEndOfTheStream()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var transport = new SocketTransport(pair.Right);
        var handler = new ThreadRecorder();
        Task reading = RunAsync(transport, handler, CancellationToken.None);

        transport.Abort();

        await reading.WaitAsync(Wire.HangGuard);
        Assert.Empty(handler.Frames);
    }

    [Fact]
    public async Task RunReaderAsync_CanceledWhileNothingArrives_ThrowsOperationCanceled()
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        await using var transport = new SocketTransport(pair.Right);
        using var cancellation = new CancellationTokenSource();
        Task reading = transport.RunReaderAsync(() => new FrameInbox(transport.Input).ReadOneAsync(Cap, cancellation.Token), cancellation.Token);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(Wire.HangGuard));
    }

    private static Task RunAsync(SocketTransport transport, IFrameHandler handler, CancellationToken cancellationToken) =>
        transport.RunReaderAsync(
            async () =>
            {
                await new FrameInbox(transport.Input).RunAsync(handler, Cap, cancellationToken);
                return true;
            },
            cancellationToken);

    private sealed class ThreadRecorder : IFrameHandler
    {
        public List<FrameType> Frames { get; } = [];

        public List<(string? Name, bool OnPool)> Threads { get; } = [];

        public void OnFrame(FrameType type, in ReadOnlySequence<byte> body)
        {
            Frames.Add(type);
            Threads.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));
        }
    }
}
