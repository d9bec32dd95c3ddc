using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// The writing side of a socket as a <see cref="PipeWriter"/>, as lean as the link needs: one <see cref="FrameBuffer"/>,
/// and a flush that is one send, completed on the calling thread when the socket takes it all at once (the usual case).
/// The outbox already batches and never writes from two threads at once, which is all this writer relies on.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "A PipeWriter ends with Complete, not Dispose: Complete gives the buffer back.")]
internal sealed class SocketPipeWriter(Socket socket) : PipeWriter
{
    private readonly FrameBuffer _buffer = new();

    public override void Advance(int bytes) => _buffer.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _buffer.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _buffer.GetSpan(sizeHint);

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        int length = _buffer.Length;
        if (length == 0)
        {
            return ValueTask.FromResult(default(FlushResult));
        }

        ValueTask<int> sending = socket.SendAsync(_buffer.WrittenMemory, SocketFlags.None, cancellationToken);
        if (!sending.IsCompletedSuccessfully)
        {
            return FinishFlushAsync(sending, cancellationToken);
        }

        // A pooled ValueTask is read once: a partial send goes on from what its result said.
        int sent = sending.Result;
        if (sent < length)
        {
            return FinishFlushAsync(ValueTask.FromResult(sent), cancellationToken);
        }

        _buffer.Reset();
        return ValueTask.FromResult(default(FlushResult));
    }

    public override void CancelPendingFlush()
    {
        // A pending send ends when the transport shuts the socket down; there is nothing else to cancel.
    }

    public override void Complete(Exception? exception = null) => _buffer.Dispose();

    private async ValueTask<FlushResult> FinishFlushAsync(ValueTask<int> sending, CancellationToken cancellationToken)
    {
        int sent = await sending.ConfigureAwait(false);
        while (sent < _buffer.Length)
        {
            sent += await socket.SendAsync(_buffer.WrittenMemory[sent..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        _buffer.Reset();
        return default;
    }
}
