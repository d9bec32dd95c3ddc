using System.Security.Cryptography;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// Task ids in the layout of a ULID: 26 Crockford base-32 characters of 128 bits, the first 48 the time in Unix
/// milliseconds, then 16 random bits that tell this pool instance apart, then a 64-bit sequence number. They sort by
/// the time the job was accepted and are unique across pools and restarts. Only the two longs travel on the wire; the
/// string is made when someone asks for it.
/// </summary>
internal static class JobIds
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static ushort NewInstance() => (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);

    public static long High(DateTimeOffset acceptedAt, ushort instance) =>
        (acceptedAt.ToUnixTimeMilliseconds() << 16) | instance;

    public static DateTimeOffset AcceptedAt(long high) => DateTimeOffset.FromUnixTimeMilliseconds((long)((ulong)high >> 16));

    public static string Format(long high, long sequence)
    {
        var value = new UInt128((ulong)high, (ulong)sequence);
        return string.Create(26, value, static (chars, v) =>
        {
            for (int i = chars.Length - 1; i >= 0; i--)
            {
                chars[i] = Alphabet[(int)(v & 31)];
                v >>= 5;
            }
        });
    }
}
