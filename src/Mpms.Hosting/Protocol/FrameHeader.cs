using System.Buffers;
using System.Buffers.Binary;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// The frame header: a little-endian 32-bit length (type byte plus body), then the type byte. Codecs reserve a frame
/// with <see cref="Begin"/>, write its body into the span it returns, and <see cref="Commit"/> it.
/// </summary>
internal static class FrameHeader
{
    public const int Size = 5;

    /// <summary>Writes the header of a frame with a body of <paramref name="bodyLength"/> bytes and returns the body's span.</summary>
    public static Span<byte> Begin(IBufferWriter<byte> output, FrameType type, int bodyLength)
    {
        Span<byte> frame = output.GetSpan(Size + bodyLength)[..(Size + bodyLength)];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)bodyLength + 1);
        frame[4] = (byte)type;
        return frame[Size..];
    }

    /// <summary>Commits the frame begun with <see cref="Begin"/>.</summary>
    public static void Commit(IBufferWriter<byte> output, int bodyLength) => output.Advance(Size + bodyLength);
}
