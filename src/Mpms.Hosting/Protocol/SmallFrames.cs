using System.Buffers;
using System.Buffers.Binary;

namespace Mpms.Hosting.Protocol;

/// <summary>The frames whose body is one number: credit, cancel, returned, drain and leaving.</summary>
internal static class SmallFrames
{
    public static bool PostInt32(this FrameOutbox outbox, FrameType type, int value) =>
        outbox.Post(type, 4, value, static (span, v) => BinaryPrimitives.WriteInt32LittleEndian(span, v));

    public static bool EnqueueInt32(this FrameOutbox outbox, FrameType type, int value) =>
        outbox.Enqueue(type, 4, value, static (span, v) => BinaryPrimitives.WriteInt32LittleEndian(span, v));

    public static bool PostInt64(this FrameOutbox outbox, FrameType type, long value) =>
        outbox.Post(type, 8, value, static (span, v) => BinaryPrimitives.WriteInt64LittleEndian(span, v));

    public static bool EnqueueInt64(this FrameOutbox outbox, FrameType type, long value, out long frame) =>
        outbox.Enqueue(type, 8, value, static (span, v) => BinaryPrimitives.WriteInt64LittleEndian(span, v), out frame);

    public static bool PostByte(this FrameOutbox outbox, FrameType type, byte value) =>
        outbox.Post(type, 1, value, static (span, v) => span[0] = v);

    public static int ReadInt32(in ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        return body.Length == 4 && reader.TryReadLittleEndian(out int value)
            ? value
            : throw new MpmsProtocolException($"Expected a 4-byte body, got {body.Length} bytes.");
    }

    public static long ReadInt64(in ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        return body.Length == 8 && reader.TryReadLittleEndian(out long value)
            ? value
            : throw new MpmsProtocolException($"Expected an 8-byte body, got {body.Length} bytes.");
    }

    public static byte ReadByte(in ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        return body.Length == 1 && reader.TryRead(out byte value)
            ? value
            : throw new MpmsProtocolException($"Expected a 1-byte body, got {body.Length} bytes.");
    }
}
