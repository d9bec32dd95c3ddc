using System.Buffers;

namespace Mpms.Hosting.Protocol;

/// <summary>An <see cref="IBufferWriter{T}"/> over an array from the pool; the array can be handed over with <see cref="Detach"/>.</summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialSize = 256) => _buffer = ArrayPool<byte>.Shared.Rent(initialSize);

    public int WrittenCount => _written;

    /// <summary>Gets the size of the array written into.</summary>
    public int Capacity => _buffer.Length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Clear() => _written = 0;

    /// <summary>Hands the array (and the duty to return it to the pool) to the caller, and starts over with a new one.</summary>
    public byte[] Detach(out int length)
    {
        byte[] detached = _buffer;
        length = _written;
        _buffer = ArrayPool<byte>.Shared.Rent(256);
        _written = 0;
        return detached;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _written = 0;
    }

    private void Grow(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
