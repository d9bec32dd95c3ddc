namespace Mpms.Samples.WebApi;

/// <summary>Where the bytes a checksum job hashes come from: a service of the application, resolved in the worker.</summary>
public interface IPayloadSource
{
    /// <summary>Fills <paramref name="buffer"/> with the bytes to hash.</summary>
    void Fill(Span<byte> buffer);
}

/// <summary>Random bytes: every job hashes new data.</summary>
public sealed class RandomPayloadSource : IPayloadSource
{
    public void Fill(Span<byte> buffer) => Random.Shared.NextBytes(buffer);
}
