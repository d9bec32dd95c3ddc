using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// A job on the wire: its sequence number, the high half of its job id, its attempt, the W3C <c>traceparent</c> of
/// the activity that put it (length-prefixed, empty when there is none), and the serialised job.
/// </summary>
internal readonly record struct JobFrame(long Sequence, long IdHigh, int Attempt, string? TraceParent, ReadOnlySequence<byte> Payload) : IOutgoingFrame
{
    private const int FixedSize = 8 + 8 + 4 + 1;
    private const int MaxTraceParent = 255;

    public JobFrame(long sequence, long idHigh, int attempt, string? traceParent, ReadOnlyMemory<byte> payload)
        : this(sequence, idHigh, attempt, traceParent, new ReadOnlySequence<byte>(payload))
    {
    }

    public void WriteTo(IBufferWriter<byte> output)
    {
        int traceLength = TraceParent is null ? 0 : Math.Min(Encoding.ASCII.GetByteCount(TraceParent), MaxTraceParent);
        int length = checked(FixedSize + traceLength + (int)Payload.Length);
        Span<byte> span = FrameHeader.Begin(output, FrameType.Job, length);
        BinaryPrimitives.WriteInt64LittleEndian(span, Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], IdHigh);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], Attempt);
        span[20] = (byte)traceLength;
        if (traceLength > 0)
        {
            Encoding.ASCII.GetBytes(TraceParent.AsSpan(0, traceLength), span.Slice(FixedSize, traceLength));
        }

        Payload.CopyTo(span[(FixedSize + traceLength)..]);
        FrameHeader.Commit(output, length);
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
