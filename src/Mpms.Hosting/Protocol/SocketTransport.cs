using System.IO.Pipelines;
using System.Net.Sockets;

namespace Mpms.Hosting.Protocol;

/// <summary>A link's transport over a connected stream socket (a Unix domain socket between two local processes).</summary>
/// <remarks>
/// Reading <see cref="Input"/> blocks the reading thread until bytes arrive (<see cref="BlockingReceiveStream"/>): read it
/// only through <see cref="RunReaderAsync{T}"/>, as <see cref="Link"/> does, never on a thread-pool thread or a test's
/// own thread, which it would hold for as long as the peer is silent.
/// </remarks>
internal sealed class SocketTransport : ILinkTransport
{
    // A burst of frames is read in one system call. (Zero-byte reads would spare an idle connection its buffer, but cost
    // a second system call per wake-up of a busy link; a listener bounds the connections that wait for their hello.)
    private const int ReadBufferSize = 64 * 1024;

    private readonly Socket _socket;

    public SocketTransport(Socket socket)
    {
        _socket = socket;
        Input = PipeReader.Create(new BlockingReceiveStream(socket), new StreamPipeReaderOptions(bufferSize: ReadBufferSize, leaveOpen: true));
        Output = new SocketPipeWriter(socket);
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>Connects to the Unix domain socket at <paramref name="path"/>.</summary>
    public static async Task<SocketTransport> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return new SocketTransport(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads on a thread of the link's own: every read blocks it (see <see cref="BlockingReceiveStream"/>).</summary>
    public async Task<T> RunReaderAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using CancellationTokenRegistration aborting = cancellationToken.UnsafeRegister(static transport => ((SocketTransport)transport!).Abort(), this);
        try
        {
            return await ReaderThread.Run(read).ConfigureAwait(false);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            // The read saw the end of the connection that the cancellation caused: say what the caller asked for.
            throw new OperationCanceledException("The read was canceled; the connection is closed.", ex, cancellationToken);
        }
    }

    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the peer or by us.
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The socket goes first: completing the writer would otherwise try to send what a failed write left behind.
        Abort();
        _socket.Dispose();
        await CompleteQuietlyAsync(Input.CompleteAsync()).ConfigureAwait(false);
        await CompleteQuietlyAsync(Output.CompleteAsync()).ConfigureAwait(false);
    }

    private static async ValueTask CompleteQuietlyAsync(ValueTask completing)
    {
        try
        {
            await completing.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is gone; nothing is left to write or read.
        }
    }
}
