using System.Buffers;
using System.Buffers.Binary;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// Cuts frames out of a byte stream. A frame is a little-endian 32-bit length, then that many bytes: a type byte and
/// the body. The length is checked against the cap before anything waits for or buffers the body.
/// </summary>
internal readonly struct FrameReader
{
    public const int HeaderSize = FrameHeader.Size;

    private readonly int _maxBodySize;

    public FrameReader(int maxBodySize) => _maxBodySize = maxBodySize;

    /// <summary>Takes one complete frame from the front of <paramref name="buffer"/>, if there is one.</summary>
    /// <exception cref="MpmsProtocolException">The length is zero, over the cap, or the type is unknown.</exception>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out FrameType type, out ReadOnlySequence<byte> body)
    {
        type = default;
        body = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length == 0 || length - 1 > (uint)_maxBodySize)
        {
            throw new MpmsProtocolException($"Frame length {length} is outside 1..{(long)_maxBodySize + 1}.");
        }

        type = (FrameType)header[4];
        if (!Enum.IsDefined(type))
        {
            throw new MpmsProtocolException($"Unknown frame type {header[4]}.");
        }

        long total = 4L + length;
        if (buffer.Length < total)
        {
            return false;
        }

        body = buffer.Slice(HeaderSize, length - 1);
        buffer = buffer.Slice(total);
        return true;
    }
}
