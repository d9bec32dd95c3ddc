using System.Buffers;
using Microsoft.Extensions.Logging;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class LogFrameTests
{
    [Fact]
    public void EncodeThenRead_KeepsCategoryLevelEventMessageExceptionAndPropertyTypes()
    {
        var frame = new LogFrame("Jobs", LogLevel.Warning, 7, "Slow", "took 3 s", new WireError("T", "m", "at x", "T: m"), [new("Count", 3L), new("Ratio", 0.5), new("Name", "a"), new("Ok", true), new("None", null)]);

        LogFrame read = LogFrame.Read(new ReadOnlySequence<byte>(frame.Encode()));

        Assert.Equal(("Jobs", LogLevel.Warning, 7, "Slow", "took 3 s"), (read.Category, read.Level, read.EventId, read.EventName, read.Message));
        Assert.Equal(frame.Exception, read.Exception);
        Assert.Equal(frame.Properties, read.Properties);
    }

    [Fact]
    public void Encode_NonFiniteNumbers_TravelAsTheirNames()
    {
        var frame = new LogFrame("Jobs", LogLevel.Information, 0, null, "scores", null, [new("NaN", double.NaN), new("Up", double.PositiveInfinity), new("Down", float.NegativeInfinity)]);

        LogFrame read = LogFrame.Read(new ReadOnlySequence<byte>(frame.Encode()));

        Assert.Equal([new("NaN", "NaN"), new("Up", "Infinity"), new("Down", "-Infinity")], read.Properties);
    }

    [Fact]
    public void Encode_HugeEvent_IsCutToAFrameTheApplicationAccepts()
    {
        string huge = new('x', 4 * 1024 * 1024);
        var properties = Enumerable.Range(0, 200).Select(i => new KeyValuePair<string, object?>($"P{i}", huge)).ToList();
        var frame = new LogFrame("Jobs", LogLevel.Error, 0, null, huge, new WireError(huge, huge, huge, huge), properties);

        byte[] body = frame.Encode();
        LogFrame read = LogFrame.Read(new ReadOnlySequence<byte>(body));

        Assert.InRange(body.Length, 1, 1024 * 1024);
        Assert.EndsWith(" [truncated]", read.Message, StringComparison.Ordinal);
        Assert.StartsWith("xxxx", read.Message, StringComparison.Ordinal);
        Assert.EndsWith(" [truncated]", read.Exception!.Details, StringComparison.Ordinal);
    }
}
