using System.Buffers;

namespace Mpms.Hosting.Protocol;

/// <summary>A growable byte buffer from the array pool that frames are written to; a very large one shrinks when reset.</summary>
internal sealed class FrameBuffer : IBufferWriter<byte>, IDisposable
{
    private const int ShrinkAbove = 1024 * 1024;
    private const int InitialSize = 16 * 1024;

    private PooledBufferWriter _writer = new(InitialSize);

    public int Length => _writer.WrittenCount;

    public ReadOnlyMemory<byte> WrittenMemory => _writer.WrittenMemory;

    public void Advance(int count) => _writer.Advance(count);

    public Memory<byte> GetMemory(int sizeHint = 0) => _writer.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => _writer.GetSpan(sizeHint);

    /// <summary>Forgets what was written, and gives a very large array back to the pool.</summary>
    public void Reset()
    {
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
