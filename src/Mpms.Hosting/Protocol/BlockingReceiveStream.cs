using System.Net.Sockets;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// The receiving side of a socket as a read-only stream whose reads block the calling thread: the link reads on a
/// thread of its own (<see cref="ReaderThread"/>), which the kernel wakes when bytes arrive. An asynchronous receive
/// would instead wake the runtime's socket event thread, which then wakes a thread-pool thread to read: two wake-ups
/// per burst instead of one, on every job's path.
/// </summary>
/// <remarks>
/// A read waits in <see cref="Socket.Poll(int, SelectMode)"/> and then receives what is there. Only polling is a true
/// blocking wait here: the socket also sends asynchronously, which makes it non-blocking for the runtime, whose
/// synchronous receive would then wait through its event thread again. Shutting the socket down (the transport's
/// abort) ends a wait with the end of the stream.
/// </remarks>
internal sealed class BlockingReceiveStream(Socket socket) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            socket.Poll(-1, SelectMode.SelectRead);
            return socket.Receive(buffer, SocketFlags.None);
        }
        catch (ObjectDisposedException)
        {
            return 0; // the transport was disposed under the read: the stream ends
        }
        catch (SocketException ex)
        {
            // As a network stream reports it, so that the link's readers see one kind of broken connection.
            throw new IOException($"The link's connection failed: {ex.Message}", ex);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Reads on the calling thread, which the link dedicates to reading: the task is complete when it returns.</summary>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
