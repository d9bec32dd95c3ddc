using System.Buffers.Binary;
using Mpms.Hosting.Serialization;

namespace Mpms.Hosting.Protocol;

/// <summary>A growable byte buffer that frames are appended to, from the array pool.</summary>
internal sealed class FrameBuffer : IDisposable
{
    private const int ShrinkAbove = 1024 * 1024;
    private const int InitialSize = 16 * 1024;

    private PooledBufferWriter _writer = new(InitialSize);

    public int Length => _writer.WrittenCount;

    /// <summary>Gets the number of frames appended since the last reset.</summary>
    public int FrameCount { get; private set; }

    public ReadOnlyMemory<byte> WrittenMemory => _writer.WrittenMemory;

    /// <summary>Appends a frame header and returns the span where its body of <paramref name="bodyLength"/> bytes goes.</summary>
    public Span<byte> Append(FrameType type, int bodyLength)
    {
        int needed = FrameReader.HeaderSize + bodyLength;
        Span<byte> frame = _writer.GetSpan(needed)[..needed];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(bodyLength + 1));
        frame[4] = (byte)type;
        _writer.Advance(needed);
        FrameCount++;
        return frame[FrameReader.HeaderSize..];
    }

    /// <summary>Forgets what was written, and gives a very large array back to the pool.</summary>
    public void Reset()
    {
        FrameCount = 0;
        if (_writer.Capacity > ShrinkAbove)
        {
            _writer.Dispose();
            _writer = new PooledBufferWriter(InitialSize);
        }
        else
        {
            _writer.Clear();
        }
    }

    public void Dispose() => _writer.Dispose();
}
