using Mpms.Hosting.Worker;

namespace Mpms.Hosting.Tests.Unit.Worker;

public sealed class OsNamesTests
{
    [Theory]
    [InlineData("Thumb", "-p1#t2", "Thumb-p1#t2")]
    [InlineData("ThumbnailWorker", "-p1#t2", "Thumbnail-p1#t2")]
    [InlineData("ThumbnailWorker", "-p12#t34", "Thumbna-p12#t34")]
    [InlineData("ABCDEFGHI", "-p1#t2", "ABCDEFGHI-p1#t2")]
    [InlineData("ABCDEFGHIJ", "-p1#t2", "ABCDEFGHI-p1#t2")]
    public void Compact_ThreadName_KeepsTheWholeSuffixWithinFifteen(string pool, string suffix, string expected)
    {
        string name = OsNames.Compact(pool, suffix);

        Assert.Equal(expected, name);
        Assert.True(name.Length <= 15);
        Assert.EndsWith(suffix, name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mpms-Thumb", "-p1", "mpms-Thumb-p1")]
    [InlineData("mpms-ThumbnailWorker", "-p3", "ThumbnailWor-p3")]
    [InlineData("mpms-ThumbnailWorker", "-p1024", "Thumbnail-p1024")]
    public void Compact_ProcessName_DropsThePrefixBeforeThePoolName(string head, string suffix, string expected)
    {
        string name = OsNames.Compact(head, suffix);

        Assert.Equal(expected, name);
        Assert.True(name.Length <= 15);
    }

    [Fact]
    public void Compact_EveryThreadOfALongPool_GetsADistinctName()
    {
        string[] names = [.. Enumerable.Range(1, 64).SelectMany(p => Enumerable.Range(1, 64).Select(t => OsNames.Compact("AVeryLongPoolNameIndeed", $"-p{p}#t{t}")))];

        Assert.All(names, n => Assert.True(n.Length <= 15, n));
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Compact_SuffixOfFifteen_KeepsOnlyTheSuffix() =>
        Assert.Equal("-p1000000#t4096", OsNames.Compact("Thumb", "-p1000000#t4096"));
}
