using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// A job's outcome on the wire: sequence number, status, thread, start and finish time (UTC ticks, 0 for never),
/// then the serialised result when it succeeded, or the error's four strings otherwise.
/// </summary>
internal readonly record struct ResultFrame(
    long Sequence,
    WireStatus Status,
    int ThreadNumber,
    long StartedTicks,
    long FinishedTicks,
    ReadOnlySequence<byte> Payload,
    WireError? Error) : IOutgoingFrame
{
    private const int FixedSize = 8 + 1 + 4 + 8 + 8;

    /// <summary>A job that succeeded, with its serialised result.</summary>
    public static ResultFrame Success(long sequence, int threadNumber, long startedTicks, long finishedTicks, ReadOnlyMemory<byte> payload) =>
        new(sequence, WireStatus.Succeeded, threadNumber, startedTicks, finishedTicks, new ReadOnlySequence<byte>(payload), null);

    /// <summary>A job that did not succeed, and why.</summary>
    public static ResultFrame Failure(long sequence, WireStatus status, int threadNumber, long startedTicks, long finishedTicks, WireError error) =>
        new(sequence, status, threadNumber, startedTicks, finishedTicks, default, error);

    public void WriteTo(IBufferWriter<byte> output)
    {
        WireError? error = Status == WireStatus.Succeeded ? null : Error ?? new WireError("", "", null, null);
        int length = error is null
            ? checked(FixedSize + (int)Payload.Length)
            : FixedSize + StringSize(error.Type) + StringSize(error.Message) + StringSize(error.StackTrace) + StringSize(error.Details);
        Span<byte> span = FrameHeader.Begin(output, FrameType.Result, length);
        BinaryPrimitives.WriteInt64LittleEndian(span, Sequence);
        span[8] = (byte)Status;
        BinaryPrimitives.WriteInt32LittleEndian(span[9..], ThreadNumber);
        BinaryPrimitives.WriteInt64LittleEndian(span[13..], StartedTicks);
        BinaryPrimitives.WriteInt64LittleEndian(span[21..], FinishedTicks);
        Span<byte> rest = span[FixedSize..];
        if (error is null)
        {
            Payload.CopyTo(rest);
        }
        else
        {
            rest = WriteString(rest, error.Type);
            rest = WriteString(rest, error.Message);
            rest = WriteString(rest, error.StackTrace);
            WriteString(rest, error.Details);
        }

        FrameHeader.Commit(output, length);
    }

    public static ResultFrame Read(ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        if (!reader.TryReadLittleEndian(out long sequence)
            || !reader.TryRead(out byte status)
            || !reader.TryReadLittleEndian(out int threadNumber)
            || !reader.TryReadLittleEndian(out long startedTicks)
            || !reader.TryReadLittleEndian(out long finishedTicks))
        {
            throw new MpmsProtocolException("Truncated result frame.");
        }

        // Checked here, not when the outcome is built: the job must not leave its link for an outcome that then fails.
        if ((ulong)startedTicks > (ulong)DateTime.MaxValue.Ticks || (ulong)finishedTicks > (ulong)DateTime.MaxValue.Ticks)
        {
            throw new MpmsProtocolException($"Invalid start or finish time in the result of job {sequence}.");
        }

        var wireStatus = (WireStatus)status;
        if (!Enum.IsDefined(wireStatus))
        {
            throw new MpmsProtocolException($"Unknown result status {status}.");
        }

        if (wireStatus == WireStatus.Succeeded)
        {
            return new ResultFrame(sequence, wireStatus, threadNumber, startedTicks, finishedTicks, reader.UnreadSequence, null);
        }

        var error = new WireError(
            ReadString(ref reader) ?? string.Empty,
            ReadString(ref reader) ?? string.Empty,
            ReadString(ref reader),
            ReadString(ref reader));
        return new ResultFrame(sequence, wireStatus, threadNumber, startedTicks, finishedTicks, default, error);
    }

    private static int StringSize(string? value) => 4 + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));

    private static Span<byte> WriteString(Span<byte> span, string? value)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span, -1);
            return span[4..];
        }

        int written = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, written);
        return span[(4 + written)..];
    }

    private static string? ReadString(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadLittleEndian(out int length))
        {
            throw new MpmsProtocolException("Truncated string in result frame.");
        }

        if (length == -1)
        {
            return null;
        }

        if (length < 0 || length > reader.Remaining)
        {
            throw new MpmsProtocolException($"String length {length} does not fit the result frame.");
        }

        ReadOnlySequence<byte> bytes = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        return Encoding.UTF8.GetString(bytes);
    }
}
