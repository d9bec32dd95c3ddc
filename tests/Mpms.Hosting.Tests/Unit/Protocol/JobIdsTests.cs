using System.Numerics;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class JobIdsTests
{
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(1L, 1L)]
    [InlineData(-1L, -1L)]
    [InlineData(long.MaxValue, long.MinValue)]
    [InlineData(0x0123456789ABCDEFL, 0x7EDCBA9876543210L)]
    public void Format_AnyValue_Is26CrockfordCharactersOfTheWhole128Bits(long high, long sequence)
    {
        string id = JobIds.Format(high, sequence);

        Assert.Equal(26, id.Length);
        Assert.All(id, c => Assert.Contains(c, Crockford));
        Assert.Equal(Reference(high, sequence), id);
    }

    [Fact]
    public void Format_AllBitsSet_StartsWithSevenAndHasNoAmbiguousLetters()
    {
        string id = JobIds.Format(-1, -1);

        Assert.Equal("7" + new string('Z', 25), id);
        Assert.DoesNotContain('I', Crockford);
        Assert.DoesNotContain('L', Crockford);
        Assert.DoesNotContain('O', Crockford);
        Assert.DoesNotContain('U', Crockford);
    }

    [Fact]
    public void Format_IdsOfOneInstance_SortByTimeThenSequence()
    {
        var start = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        const ushort instance = 0xBEEF;
        var ids = new List<(DateTimeOffset At, long Sequence, string Id)>();
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            DateTimeOffset at = start.AddMilliseconds(random.Next(0, 5000));
            long sequence = random.NextInt64(1, 1_000_000_000_000);
            ids.Add((at, sequence, JobIds.Format(JobIds.High(at, instance), sequence)));
        }

        string[] byString = [.. ids.Select(x => x.Id).Order(StringComparer.Ordinal)];
        string[] byTimeThenSequence = [.. ids.OrderBy(x => x.At).ThenBy(x => x.Sequence).Select(x => x.Id)];

        Assert.Equal(byTimeThenSequence, byString);
    }

    [Fact]
    public void Format_LaterTimeWithSmallerSequence_SortsAfter()
    {
        var at = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

        string earlier = JobIds.Format(JobIds.High(at, 0xFFFF), long.MaxValue);
        string later = JobIds.Format(JobIds.High(at.AddMilliseconds(1), 0), 1);

        Assert.True(string.CompareOrdinal(earlier, later) < 0, $"{earlier} should sort before {later}");
    }

    [Fact]
    public void Format_SequenceNineAndTen_SortNumerically()
    {
        long high = JobIds.High(DateTimeOffset.UnixEpoch.AddDays(20000), 1);

        Assert.True(string.CompareOrdinal(JobIds.Format(high, 9), JobIds.Format(high, 10)) < 0);
        Assert.True(string.CompareOrdinal(JobIds.Format(high, 31), JobIds.Format(high, 32)) < 0);
    }

    [Fact]
    public void Format_SameTimeAndSequenceOnDifferentInstances_Differ()
    {
        var at = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);

        string[] ids = [.. Enumerable.Range(0, 512).Select(i => JobIds.Format(JobIds.High(at, (ushort)(i * 127)), 1))];

        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(ushort.MaxValue)]
    public void AcceptedAt_OfHigh_GivesTheTimeToTheMillisecond(int instance)
    {
        var at = new DateTimeOffset(2031, 12, 31, 23, 59, 59, 999, TimeSpan.Zero);

        Assert.Equal(at, JobIds.AcceptedAt(JobIds.High(at, (ushort)instance)));
        Assert.Equal(at, JobIds.AcceptedAt(JobIds.High(at.AddTicks(9999), (ushort)instance)));
        Assert.Equal(TimeSpan.Zero, JobIds.AcceptedAt(JobIds.High(at, (ushort)instance)).Offset);
    }

    [Fact]
    public void High_KeepsTheInstanceInTheLowSixteenBits()
    {
        long high = JobIds.High(DateTimeOffset.UnixEpoch.AddMilliseconds(5), 0x1234);

        Assert.Equal((5L << 16) | 0x1234, high);
    }

    /// <summary>An independent encoder: the 128-bit number in base 32, most significant digit first, padded to 26.</summary>
    private static string Reference(long high, long sequence)
    {
        BigInteger value = (new BigInteger((ulong)high) << 64) | new BigInteger((ulong)sequence);
        var digits = new char[26];
        for (int i = 25; i >= 0; i--)
        {
            digits[i] = Crockford[(int)(value % 32)];
            value /= 32;
        }

        return new string(digits);
    }
}
