using System.Buffers;
using System.Buffers.Binary;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// A running job's progress on the wire: its sequence number, then the value as the pool's serializer wrote it. Only the
/// worker knows the value's type; the application keeps the bytes until a reader asks for a type.
/// </summary>
internal readonly record struct ProgressFrame(long Sequence, ReadOnlySequence<byte> Value) : IOutgoingFrame
{
    private const int FixedSize = 8;

    /// <summary>The progress of job <paramref name="sequence"/>, serialised in <paramref name="value"/>.</summary>
    public ProgressFrame(long sequence, ReadOnlyMemory<byte> value)
        : this(sequence, new ReadOnlySequence<byte>(value))
    {
    }

    public void WriteTo(IBufferWriter<byte> output)
    {
        int length = checked(FixedSize + (int)Value.Length);
        Span<byte> span = FrameHeader.Begin(output, FrameType.Progress, length);
        BinaryPrimitives.WriteInt64LittleEndian(span, Sequence);
        Value.CopyTo(span[FixedSize..]);
        FrameHeader.Commit(output, length);
    }

    /// <summary>Reads a progress frame's body; the value is a slice of it, valid as long as the body is.</summary>
    /// <exception cref="MpmsProtocolException">The body is too short to hold a sequence number.</exception>
    public static ProgressFrame Read(in ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        return reader.TryReadLittleEndian(out long sequence)
            ? new ProgressFrame(sequence, reader.UnreadSequence)
            : throw new MpmsProtocolException($"Truncated progress frame ({body.Length} bytes).");
    }
}
