using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// The writing side of a socket as a <see cref="PipeWriter"/>, as lean as the link needs: one buffer, and a flush that
/// is one send, completed on the calling thread when the socket takes it all at once (the usual case). The outbox
/// already batches and never writes from two threads at once, which is all this writer relies on.
/// </summary>
internal sealed class SocketPipeWriter(Socket socket) : PipeWriter
{
    private const int InitialSize = 16 * 1024;

    // A buffer grown past this for one large job goes back to the pool once flushed, so that a rare large payload does
    // not pin its size for the link's whole life.
    private const int KeptSize = 1024 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _written;

    public override void Advance(int bytes) => _written += bytes;

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_written == 0)
        {
            return ValueTask.FromResult(default(FlushResult));
        }

        ValueTask<int> sending = socket.SendAsync(_buffer.AsMemory(0, _written), SocketFlags.None, cancellationToken);
        if (!sending.IsCompletedSuccessfully)
        {
            return FinishFlushAsync(sending, cancellationToken);
        }

        int sent = sending.Result;
        return sent == _written ? Flushed() : FinishFlushAsync(ValueTask.FromResult(sent), cancellationToken);
    }

    public override void CancelPendingFlush()
    {
        // A pending send ends when the transport shuts the socket down; there is nothing else to cancel.
    }

    public override void Complete(Exception? exception = null)
    {
        byte[] buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _written = 0;
    }

    private ValueTask<FlushResult> Flushed()
    {
        Reset();
        return ValueTask.FromResult(default(FlushResult));
    }

    private void Reset()
    {
        _written = 0;
        if (_buffer.Length > KeptSize)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        }
    }

    private async ValueTask<FlushResult> FinishFlushAsync(ValueTask<int> sending, CancellationToken cancellationToken)
    {
        int sent = await sending.ConfigureAwait(false);
        while (sent < _written)
        {
            sent += await socket.SendAsync(_buffer.AsMemory(sent, _written - sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        Reset();
        return default;
    }

    private void Reserve(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
