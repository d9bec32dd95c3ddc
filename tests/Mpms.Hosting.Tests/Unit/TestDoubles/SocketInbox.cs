using System.Net.Sockets;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>The receiving half of a link over one end of a real socket pair, read as a link reads it: on the transport's reader thread.</summary>
internal sealed class SocketInbox(Socket socket) : IAsyncDisposable
{
    private readonly SocketTransport _transport = new(socket);
    private Task _reading = Task.CompletedTask;

    public Task<(FrameType Type, byte[] Body)> ReadOneAsync(int maxBodySize, CancellationToken cancellationToken)
    {
        Task<(FrameType Type, byte[] Body)> reading = _transport.RunReaderAsync(
            () => new FrameInbox(_transport.Input).ReadOneAsync(maxBodySize, cancellationToken),
            cancellationToken);
        _reading = reading;
        return reading;
    }

    public Task RunAsync(IFrameHandler handler, int maxBodySize, CancellationToken cancellationToken) =>
        _reading = _transport.RunReaderAsync(
            async () =>
            {
                await new FrameInbox(_transport.Input).RunAsync(handler, maxBodySize, cancellationToken);
                return true;
            },
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // A read still waiting ends first: the pipe under it may only be completed once it has.
        _transport.Abort();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _transport.Input.CompleteAsync();
    }
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
