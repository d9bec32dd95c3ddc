using System.Buffers;
using System.Buffers.Binary;

namespace Mpms.Hosting.Protocol;

/// <summary>A growable byte buffer that frames are appended to, from the array pool.</summary>
internal sealed class FrameBuffer : IDisposable
{
    private const int ShrinkAbove = 1024 * 1024;
    private const int InitialSize = 16 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);

    public int Length { get; private set; }

    /// <summary>Gets the number of frames appended since the last reset.</summary>
    public int FrameCount { get; private set; }

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    /// <summary>Appends a frame header and returns the span where its body of <paramref name="bodyLength"/> bytes goes.</summary>
    public Span<byte> Append(FrameType type, int bodyLength)
    {
        int needed = FrameReader.HeaderSize + bodyLength;
        EnsureCapacity(needed);
        Span<byte> frame = _buffer.AsSpan(Length, needed);
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)(bodyLength + 1));
        frame[4] = (byte)type;
        Length += needed;
        FrameCount++;
        return frame[FrameReader.HeaderSize..];
    }

    /// <summary>Forgets what was written, and gives a very large array back to the pool.</summary>
    public void Reset()
    {
        Length = 0;
        FrameCount = 0;
        if (_buffer.Length > ShrinkAbove)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        Length = 0;
    }

    private void EnsureCapacity(int extra)
    {
        if (_buffer.Length - Length >= extra)
        {
            return;
        }

        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + extra));
        _buffer.AsSpan(0, Length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
