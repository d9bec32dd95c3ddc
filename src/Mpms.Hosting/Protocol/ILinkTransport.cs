using System.IO.Pipelines;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// The bytes under a link: a connection as a pair of pipes. Nothing above the transport knows what carries the bytes,
/// so the link runs the same over a Unix domain socket and over an in-memory pipe pair.
/// </summary>
internal interface ILinkTransport : IDuplexPipe, IAsyncDisposable
{
    /// <summary>Ends the connection at once: a pending read sees the end, a pending write fails.</summary>
    void Abort();
}
