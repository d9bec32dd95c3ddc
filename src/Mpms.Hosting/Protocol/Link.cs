namespace Mpms.Hosting.Protocol;

/// <summary>
/// One link between the application and a worker process, the same on both sides: frames out through an outbox, frames
/// in through an inbox, over any transport; and its ordered teardown, written once.
/// </summary>
internal sealed class Link : IAsyncDisposable
{
    private readonly ILinkTransport _transport;
    private readonly TimeProvider _time;
    private readonly FrameInbox _inbox;
    private Task _reading = Task.CompletedTask;
    private int _disposed;

    public Link(ILinkTransport transport, TimeProvider? time = null)
    {
        _transport = transport;
        _time = time ?? TimeProvider.System;
        _inbox = new FrameInbox(transport.Input);
        Outbox = new FrameOutbox(_time);
        Outbox.Start(transport.Output);
    }

    /// <summary>Gets the clock the link's timeouts run on.</summary>
    public TimeProvider Time => _time;

    /// <summary>Gets the sending half: any thread posts frames to it.</summary>
    public FrameOutbox Outbox { get; }

    /// <summary>Reads exactly one frame (the handshake) and copies its body.</summary>
    /// <exception cref="MpmsProtocolException">The stream ended first, or the frame is invalid.</exception>
    public Task<(FrameType Type, byte[] Body)> ReadOneAsync(int maxBodySize, CancellationToken cancellationToken)
    {
        // Recorded like RunAsync's loop, so that DisposeAsync waits for the read before it completes the pipe under it.
        Task<(FrameType Type, byte[] Body)> reading = _transport.RunReaderAsync(() => _inbox.ReadOneAsync(maxBodySize, cancellationToken), cancellationToken);
        _reading = reading;
        return reading;
    }

    /// <summary>Hands every frame to <paramref name="handler"/> until the peer closes the link.</summary>
    /// <exception cref="MpmsProtocolException">A frame is invalid, or the stream ended inside a frame.</exception>
    public Task RunAsync(IFrameHandler handler, int maxBodySize, CancellationToken cancellationToken) =>
        _reading = _transport.RunReaderAsync(
            async () =>
            {
                await _inbox.RunAsync(handler, maxBodySize, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <summary>
    /// Closes the link in order: no frame is accepted any more, what was posted is written (for at most
    /// <paramref name="flushTimeout"/>), then the connection ends. Call it from outside the frame handler.
    /// </summary>
    public async Task CloseAsync(TimeSpan flushTimeout)
    {
        Outbox.Complete();
        await Outbox.Completion.WaitAsync(flushTimeout, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Ends the connection at once, without writing what is still pending; call it from outside the frame handler.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Outbox.Complete();
        _transport.Abort();

        // Both loops end once the transport is aborted; only then may its pipes be completed.
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Outbox.Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Outbox.Dispose();
        await _transport.DisposeAsync().ConfigureAwait(false);
    }
}
