using System.IO.Pipelines;
using System.Net.Sockets;

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

/// <summary>A link's transport over a connected stream socket (a Unix domain socket between two local processes).</summary>
internal sealed class SocketTransport : ILinkTransport
{
    private const int ReadBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    public SocketTransport(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        Input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: ReadBufferSize, leaveOpen: true));
        Output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
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
        await _stream.DisposeAsync().ConfigureAwait(false);
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

/// <summary>A link's transport over in-memory pipes: both ends of a link in one process, for tests.</summary>
internal sealed class PipeTransport(PipeReader input, PipeWriter output) : ILinkTransport
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;

    /// <summary>Creates the two ends of one connection.</summary>
    public static (PipeTransport Left, PipeTransport Right) CreatePair()
    {
        var toRight = new Pipe();
        var toLeft = new Pipe();
        return (new PipeTransport(toLeft.Reader, toRight.Writer), new PipeTransport(toRight.Reader, toLeft.Writer));
    }

    public void Abort()
    {
        Input.CancelPendingRead();
        Output.CancelPendingFlush();
    }

    public async ValueTask DisposeAsync()
    {
        await Output.CompleteAsync().ConfigureAwait(false);
        await Input.CompleteAsync().ConfigureAwait(false);
    }
}
