using System.Net.Sockets;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>The receiving half of a link over one end of a real socket pair.</summary>
internal sealed class SocketInbox(Socket socket) : IAsyncDisposable
{
    private readonly SocketTransport _transport = new(socket);

    public Task<(FrameType Type, byte[] Body)> ReadOneAsync(int maxBodySize, CancellationToken cancellationToken) =>
        new FrameInbox(_transport.Input).ReadOneAsync(maxBodySize, cancellationToken);

    public Task RunAsync(IFrameHandler handler, int maxBodySize, CancellationToken cancellationToken) =>
        new FrameInbox(_transport.Input).RunAsync(handler, maxBodySize, cancellationToken);

    public async ValueTask DisposeAsync() => await _transport.Input.CompleteAsync();
}

/// <summary>Starts an outbox on one end of a real socket pair.</summary>
internal static class SocketOutbox
{
    /// <summary>Writes to <paramref name="socket"/> until the outbox is completed and everything is written.</summary>
    public static Task RunAsync(this FrameOutbox outbox, Socket socket, CancellationToken cancellationToken)
    {
        outbox.Start(new SocketTransport(socket).Output);
        return outbox.Completion.WaitAsync(cancellationToken);
    }
}
