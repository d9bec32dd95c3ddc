using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// A job on the wire: its sequence number, the high half of its job id, its attempt, the W3C <c>traceparent</c> of
/// the activity that put it (length-prefixed, empty when there is none), and the serialised job.
/// </summary>
internal readonly record struct JobFrame(long Sequence, long IdHigh, int Attempt, string? TraceParent, ReadOnlySequence<byte> Payload)
{
    private const int FixedSize = 8 + 8 + 4 + 1;
    private const int MaxTraceParent = 255;

    /// <summary>Appends a job frame and writes it out.</summary>
    public static void Post(FrameOutbox outbox, long sequence, long idHigh, int attempt, string? traceParent, ReadOnlyMemory<byte> payload)
    {
        Enqueue(outbox, sequence, idHigh, attempt, traceParent, payload);
        outbox.Flush();
    }

    /// <summary>Appends a job frame; it goes out at the outbox's next flush.</summary>
    public static void Enqueue(FrameOutbox outbox, long sequence, long idHigh, int attempt, string? traceParent, ReadOnlyMemory<byte> payload)
    {
        int traceLength = traceParent is null ? 0 : Math.Min(Encoding.ASCII.GetByteCount(traceParent), MaxTraceParent);
        outbox.Enqueue(FrameType.Job, FixedSize + traceLength + payload.Length, (sequence, idHigh, attempt, traceParent, traceLength, payload), static (span, s) =>
        {
            BinaryPrimitives.WriteInt64LittleEndian(span, s.sequence);
            BinaryPrimitives.WriteInt64LittleEndian(span[8..], s.idHigh);
            BinaryPrimitives.WriteInt32LittleEndian(span[16..], s.attempt);
            span[20] = (byte)s.traceLength;
            if (s.traceLength > 0)
            {
                Encoding.ASCII.GetBytes(s.traceParent.AsSpan(0, s.traceLength), span.Slice(FixedSize, s.traceLength));
            }

            s.payload.Span.CopyTo(span[(FixedSize + s.traceLength)..]);
        });
    }

    public static JobFrame Read(ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        if (!reader.TryReadLittleEndian(out long sequence)
            || !reader.TryReadLittleEndian(out long idHigh)
            || !reader.TryReadLittleEndian(out int attempt)
            || !reader.TryRead(out byte traceLength)
            || reader.Remaining < traceLength)
        {
            throw new MpmsProtocolException("Truncated job frame.");
        }

        string? traceParent = null;
        if (traceLength > 0)
        {
            traceParent = Encoding.ASCII.GetString(reader.UnreadSequence.Slice(0, traceLength));
            reader.Advance(traceLength);
        }

        return new JobFrame(sequence, idHigh, attempt, traceParent, reader.UnreadSequence);
    }
}
