using System.Buffers;
using System.Buffers.Binary;

namespace Mpms.Hosting.Protocol;

/// <summary>One job a worker process is running, as its heartbeat reports it.</summary>
internal readonly record struct RunningJob(long Sequence, int ThreadNumber, long StartedTicks);

/// <summary>
/// A heartbeat: the worker is alive, and these are the jobs its threads run right now. If the worker then falls silent,
/// the last heartbeat is the evidence of what it was doing.
/// </summary>
internal readonly struct HeartbeatFrame(IReadOnlyList<RunningJob> running) : IOutgoingFrame
{
    private const int EntrySize = 8 + 4 + 8;
    private const int MaxEntries = 4096;

    public void WriteTo(IBufferWriter<byte> output)
    {
        int count = Math.Min(running.Count, MaxEntries);
        int length = 4 + (count * EntrySize);
        Span<byte> span = FrameHeader.Begin(output, FrameType.Heartbeat, length);
        BinaryPrimitives.WriteInt32LittleEndian(span, count);
        for (int i = 0; i < count; i++)
        {
            Span<byte> entry = span.Slice(4 + (i * EntrySize), EntrySize);
            BinaryPrimitives.WriteInt64LittleEndian(entry, running[i].Sequence);
            BinaryPrimitives.WriteInt32LittleEndian(entry[8..], running[i].ThreadNumber);
            BinaryPrimitives.WriteInt64LittleEndian(entry[12..], running[i].StartedTicks);
        }

        FrameHeader.Commit(output, length);
    }

    public static RunningJob[] Read(in ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        if (!reader.TryReadLittleEndian(out int count) || count < 0 || count > MaxEntries || reader.Remaining != (long)count * EntrySize)
        {
            throw new MpmsProtocolException("Invalid heartbeat frame.");
        }

        var running = new RunningJob[count];
        for (int i = 0; i < count; i++)
        {
            reader.TryReadLittleEndian(out long sequence);
            reader.TryReadLittleEndian(out int thread);
            reader.TryReadLittleEndian(out long started);
            running[i] = new RunningJob(sequence, thread, started);
        }

        return running;
    }
}
