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

    /// <summary>
    /// Runs the link's reading, <paramref name="read"/>, where this transport reads best: by default on the calling
    /// thread and its continuations. A transport whose reads block runs it on a thread of its own, and ends the
    /// connection when <paramref name="cancellationToken"/> is canceled, since a blocked read cannot observe it.
    /// </summary>
    Task<T> RunReaderAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken) => read();
}
