using System.Buffers;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Serialises jobs at put time, so that a job that cannot travel fails in the caller's <c>PutAsync</c> with its type
/// named, never later in a worker. Each putting thread reuses its own buffer; the bytes handed out come from the pool.
/// </summary>
internal sealed class JobSerializer<TJob>(string poolName, IMpmsSerializer serializer, int maxMessageSize)
{
    // Payloads up to this size are exact-sized arrays, never pooled; larger ones come from the pool (at least 256 bytes).
    private const int MaxExactLength = 128;

    [ThreadStatic]
    private static PooledBufferWriter? t_buffer;

    /// <summary>Gets the serializer of the pool's jobs and results.</summary>
    public IMpmsSerializer Serializer => serializer;

    /// <summary>Serialises <paramref name="job"/> into an array that the caller gives back with <see cref="Return"/>.</summary>
    /// <exception cref="MpmsSerializationException">The job cannot be serialised, or is larger than the pool allows.</exception>
    public byte[] Serialize(TJob job, out int length)
    {
        PooledBufferWriter buffer = t_buffer ??= new PooledBufferWriter();
        buffer.Clear();
        try
        {
            serializer.Serialize(job, buffer);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new MpmsSerializationException(
                $"A job of type '{job!.GetType().FullName}' cannot be serialised for pool '{poolName}': {ex.Message}", ex);
        }

        if (buffer.WrittenCount > maxMessageSize)
        {
            int size = buffer.WrittenCount;
            buffer.Clear();
            throw new MpmsSerializationException(
                $"A job of type '{job!.GetType().FullName}' is {size} bytes serialised, more than MaxMessageSize ({maxMessageSize}) of pool '{poolName}'.");
        }

        length = buffer.WrittenCount;
        if (length <= MaxExactLength)
        {
            // A small job gets an array of its own size: a pooled one is at least 256 bytes, and with thousands of jobs
            // out at once (a bulk call, held-ahead jobs) the pool runs dry and allocates those instead.
            byte[] exact = buffer.WrittenMemory.ToArray();
            buffer.Clear();
            return exact;
        }

        return buffer.Detach(out length);
    }

    /// <summary>Gives back a payload <see cref="Serialize"/> made: to the pool if it came from there.</summary>
    public static void Return(byte[] payload)
    {
        if (payload.Length > MaxExactLength)
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }
}
