using System.Buffers;
using System.Buffers.Binary;

namespace Mpms.Hosting.Protocol;

/// <summary>A job on the wire: its sequence number, the high half of its task id, its attempt and the serialised job.</summary>
internal readonly record struct JobFrame(long Sequence, long IdHigh, int Attempt, ReadOnlySequence<byte> Payload)
{
    private const int FixedSize = 8 + 8 + 4;

    public static void Post(FrameOutbox outbox, long sequence, long idHigh, int attempt, ReadOnlyMemory<byte> payload) =>
        outbox.Post(FrameType.Job, FixedSize + payload.Length, (sequence, idHigh, attempt, payload), static (span, s) =>
        {
            BinaryPrimitives.WriteInt64LittleEndian(span, s.sequence);
            BinaryPrimitives.WriteInt64LittleEndian(span[8..], s.idHigh);
            BinaryPrimitives.WriteInt32LittleEndian(span[16..], s.attempt);
            s.payload.Span.CopyTo(span[FixedSize..]);
        });

    public static JobFrame Read(ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        if (!reader.TryReadLittleEndian(out long sequence)
            || !reader.TryReadLittleEndian(out long idHigh)
            || !reader.TryReadLittleEndian(out int attempt))
        {
            throw new MpmsProtocolException("Truncated job frame.");
        }

        return new JobFrame(sequence, idHigh, attempt, reader.UnreadSequence);
    }
}
