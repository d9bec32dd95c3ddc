using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>
/// Both ends of one link in this process, over an in-memory pipe pair: the worker's <see cref="Link"/> and the
/// application's. No socket and no process, so a test of the link takes milliseconds.
/// </summary>
internal sealed class LinkPair : IAsyncDisposable
{
    private LinkPair(Link worker, Link application)
    {
        Worker = worker;
        Application = application;
    }

    public Link Worker { get; }

    public Link Application { get; }

    public static LinkPair Create()
    {
        (PipeTransport worker, PipeTransport application) = PipeTransport.CreatePair();
        return new LinkPair(new Link(worker), new Link(application));
    }

    /// <summary>Disposes both links (a test may already have closed or disposed either: that is harmless).</summary>
    public async ValueTask DisposeAsync()
    {
        await Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);
        await Application.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);
    }
}

/// <summary>
/// One link whose peer is a bare transport: the test writes the peer's bytes by hand (a malformed frame, a frame cut
/// short) and ends the peer's stream when it wants.
/// </summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly PipeTransport _peer;

    private RawPeer(PipeTransport peer, Link link)
    {
        _peer = peer;
        Link = link;
    }

    /// <summary>Gets the link under test.</summary>
    public Link Link { get; }

    public static RawPeer Create()
    {
        (PipeTransport peer, PipeTransport link) = PipeTransport.CreatePair();
        return new RawPeer(peer, new Link(link));
    }

    /// <summary>Writes <paramref name="bytes"/> to the link as they are, and flushes them.</summary>
    public async Task WriteAsync(byte[] bytes) => await _peer.Output.WriteAsync(bytes).AsTask().WaitAsync(Wire.HangGuard);

    /// <summary>Ends the peer's stream: the link reads to the end of what was written, then sees the end.</summary>
    public async Task EndAsync() => await _peer.Output.CompleteAsync();

    public async ValueTask DisposeAsync()
    {
        await Link.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);
        await _peer.DisposeAsync();
    }
}
