using System.Buffers;
using System.IO.Pipelines;

namespace Mpms.Hosting.Protocol;

/// <summary>Handles the frames a <see cref="FrameInbox"/> cuts out of the stream.</summary>
internal interface IFrameHandler
{
    /// <summary>Handles one frame; the body is only valid during the call.</summary>
    /// <exception cref="MpmsProtocolException">The frame is not acceptable here.</exception>
    void OnFrame(FrameType type, in ReadOnlySequence<byte> body);

    /// <summary>Every frame one read brought in was handled: a place for work worth doing once per burst, not per frame.</summary>
    void OnFramesRead()
    {
    }
}

/// <summary>
/// The receiving half of a link: frames cut out of a pipe, size-capped before their body is awaited or buffered. Every
/// frame that a read brought in is handed over before the next read, so a burst costs one wake-up.
/// </summary>
internal sealed class FrameInbox(PipeReader input)
{
    /// <summary>Room for the fixed fields and error text around a payload of the largest allowed size.</summary>
    public const int FrameOverhead = 1024 * 1024;

    /// <summary>Reads exactly one frame (the handshake) and copies its body.</summary>
    /// <exception cref="MpmsProtocolException">The stream ended first, or the frame is invalid.</exception>
    public async Task<(FrameType Type, byte[] Body)> ReadOneAsync(int maxBodySize, CancellationToken cancellationToken)
    {
        var frames = new FrameReader(maxBodySize);
        while (true)
        {
            ReadResult read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = read.Buffer;
            if (frames.TryRead(ref buffer, out FrameType type, out ReadOnlySequence<byte> body))
            {
                byte[] copy = body.ToArray();
                input.AdvanceTo(buffer.Start);
                return (type, copy);
            }

            input.AdvanceTo(buffer.Start, buffer.End);

            // A canceled read is the link being aborted under the handshake: the end of the stream, as far as it goes.
            if (read.IsCompleted || read.IsCanceled)
            {
                throw new MpmsProtocolException(buffer.IsEmpty ? "The connection closed before the first frame." : "The connection closed inside a frame.");
            }
        }
    }

    /// <summary>Reads frames and hands them to <paramref name="handler"/> until the peer closes the connection.</summary>
    /// <exception cref="MpmsProtocolException">A frame is invalid, or the stream ended inside a frame.</exception>
    public async Task RunAsync(IFrameHandler handler, int maxBodySize, CancellationToken cancellationToken)
    {
        var frames = new FrameReader(maxBodySize);
        while (true)
        {
            ReadResult read = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = read.Buffer;
            try
            {
                while (frames.TryRead(ref buffer, out FrameType type, out ReadOnlySequence<byte> body))
                {
                    handler.OnFrame(type, body);
                }

                handler.OnFramesRead();
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                if (!buffer.IsEmpty && read.IsCompleted)
                {
                    throw new MpmsProtocolException("The connection closed inside a frame.");
                }

                return;
            }
        }
    }
}
