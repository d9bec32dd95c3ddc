using System.Buffers;
using System.Buffers.Binary;

namespace Mpms.Hosting.Protocol;

/// <summary>A frame whose body is empty or one number: ready, credit, cancel, returned, started, reclaim, drain and leaving.</summary>
internal readonly record struct SmallFrame(FrameType Type, int Width, long Value) : IOutgoingFrame
{
    public void WriteTo(IBufferWriter<byte> output)
    {
        Span<byte> body = FrameHeader.Begin(output, Type, Width);
        switch (Width)
        {
            case 1:
                body[0] = (byte)Value;
                break;
            case 4:
                BinaryPrimitives.WriteInt32LittleEndian(body, (int)Value);
                break;
            case 8:
                BinaryPrimitives.WriteInt64LittleEndian(body, Value);
                break;
        }

        FrameHeader.Commit(output, Width);
    }
}

/// <summary>Builds and reads the frames whose body is empty or one number.</summary>
internal static class SmallFrames
{
    /// <summary>Worker → application: process initializers succeeded.</summary>
    public static SmallFrame Ready() => new(FrameType.Ready, 0, 0);

    /// <summary>Worker → application: it may receive this many more jobs.</summary>
    public static SmallFrame Credit(int jobs) => new(FrameType.Credit, 4, jobs);

    /// <summary>Application → worker: cancel the job with this sequence number.</summary>
    public static SmallFrame Cancel(long sequence) => new(FrameType.Cancel, 8, sequence);

    /// <summary>Worker → application: a job it received but never started, handed back.</summary>
    public static SmallFrame Returned(long sequence) => new(FrameType.Returned, 8, sequence);

    /// <summary>Application → worker: hand back up to this many jobs held ahead that no thread has taken.</summary>
    public static SmallFrame Reclaim(int jobs) => new(FrameType.Reclaim, 4, jobs);

    /// <summary>Worker → application: a reclaim is answered; this many jobs were handed back before this frame.</summary>
    public static SmallFrame Reclaimed(int jobs) => new(FrameType.Reclaimed, 4, jobs);

    /// <summary>Application → worker: stop taking jobs, finish, run finalizers and exit.</summary>
    public static SmallFrame Drain(MpmsProcessExitReason reason) => new(FrameType.Drain, 1, (byte)reason);

    /// <summary>Worker → application: it leaves by itself, for this reason.</summary>
    public static SmallFrame Leaving(MpmsProcessExitReason reason) => new(FrameType.Leaving, 1, (byte)reason);

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

    /// <summary>Reads a drain or leaving reason, refusing one this version does not know.</summary>
    public static MpmsProcessExitReason ReadReason(in ReadOnlySequence<byte> body)
    {
        byte reason = ReadByte(body);
        return Enum.IsDefined((MpmsProcessExitReason)reason)
            ? (MpmsProcessExitReason)reason
            : throw new MpmsProtocolException($"Unknown exit reason {reason}.");
    }
}
