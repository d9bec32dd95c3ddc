using System.Buffers;

namespace Mpms.Hosting;

/// <summary>
/// Turns jobs and results into bytes for the trip between the application and its worker processes. The default is
/// System.Text.Json; register another one in DI (keyed by pool name for one pool only) to replace it.
/// </summary>
/// <remarks>
/// A serializer must only create the type it is asked for: never one named by the data, so that bytes from a
/// worker process cannot make the application instantiate arbitrary types.
/// </remarks>
public interface IMpmsSerializer
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="destination"/>.</summary>
    /// <typeparam name="T">The declared type of the value.</typeparam>
    /// <param name="value">The job or result.</param>
    /// <param name="destination">Where the bytes go.</param>
    void Serialize<T>(T value, IBufferWriter<byte> destination);

    /// <summary>Reads a <typeparamref name="T"/> from <paramref name="source"/>.</summary>
    /// <typeparam name="T">The type to create.</typeparam>
    /// <param name="source">The bytes <see cref="Serialize{T}"/> wrote.</param>
    /// <returns>The job or result.</returns>
    T Deserialize<T>(ReadOnlySpan<byte> source);
}
