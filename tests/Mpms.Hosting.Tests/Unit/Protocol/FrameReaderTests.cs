using System.Buffers;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class FrameReaderTests
{
    private const int Cap = 64;

    [Fact]
    public void TryRead_CompleteFrame_ReturnsTypeAndBodyAndMovesPastIt()
    {
        byte[] bytes = Wire.Frame((byte)FrameType.Credit, [1, 2, 3, 4]);
        var buffer = new ReadOnlySequence<byte>(bytes);

        bool read = new FrameReader(Cap).TryRead(ref buffer, out FrameType type, out ReadOnlySequence<byte> body);

        Assert.True(read);
        Assert.Equal(FrameType.Credit, type);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, body.ToArray());
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void TryRead_LengthOne_GivesEmptyBody()
    {
        var buffer = new ReadOnlySequence<byte>(Wire.Frame((byte)FrameType.Heartbeat, []));

        Assert.True(new FrameReader(Cap).TryRead(ref buffer, out FrameType type, out ReadOnlySequence<byte> body));

        Assert.Equal(FrameType.Heartbeat, type);
        Assert.True(body.IsEmpty);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    public void TryRead_LessThanAHeader_ReturnsFalseAndKeepsTheBytes(int available)
    {
        byte[] bytes = Wire.Frame((byte)FrameType.Credit, [1, 2, 3, 4]);
        var buffer = new ReadOnlySequence<byte>(bytes, 0, available);

        Assert.False(new FrameReader(Cap).TryRead(ref buffer, out _, out _));

        Assert.Equal(available, buffer.Length);
    }

    [Fact]
    public void TryRead_HeaderButPartOfTheBody_ReturnsFalseAndKeepsTheBytes()
    {
        byte[] bytes = Wire.Frame((byte)FrameType.Job, new byte[30]);
        var buffer = new ReadOnlySequence<byte>(bytes, 0, bytes.Length - 1);

        Assert.False(new FrameReader(Cap).TryRead(ref buffer, out _, out _));

        Assert.Equal(bytes.Length - 1, buffer.Length);
    }

    [Fact]
    public void TryRead_ZeroLength_Throws()
    {
        var buffer = new ReadOnlySequence<byte>(Wire.Header(0, (byte)FrameType.Heartbeat));

        var ex = Assert.Throws<MpmsProtocolException>(() => new FrameReader(Cap).TryRead(ref buffer, out _, out _));

        Assert.Contains("length 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_BodyExactlyAtTheCap_IsAccepted()
    {
        var buffer = new ReadOnlySequence<byte>(Wire.Frame((byte)FrameType.Job, new byte[Cap]));

        Assert.True(new FrameReader(Cap).TryRead(ref buffer, out _, out ReadOnlySequence<byte> body));

        Assert.Equal(Cap, body.Length);
    }

    [Theory]
    [InlineData(Cap + 2)]
    [InlineData(Cap + 1000)]
    [InlineData(int.MaxValue)]
    [InlineData(uint.MaxValue)]
    public void TryRead_LengthOverTheCap_ThrowsOnTheHeaderAlone(uint length)
    {
        // Only the header has arrived: the reader must refuse it now, not wait for (and buffer) the body.
        var buffer = new ReadOnlySequence<byte>(Wire.Header(length, (byte)FrameType.Job));

        var ex = Assert.Throws<MpmsProtocolException>(() => new FrameReader(Cap).TryRead(ref buffer, out _, out _));

        Assert.Contains($"length {length}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_CapOfIntMaxValue_StillRejectsLargerLengths()
    {
        var buffer = new ReadOnlySequence<byte>(Wire.Header(uint.MaxValue, (byte)FrameType.Job));

        Assert.Throws<MpmsProtocolException>(() => new FrameReader(int.MaxValue).TryRead(ref buffer, out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    [InlineData(200)]
    [InlineData(255)]
    public void TryRead_UnknownType_Throws(byte type)
    {
        var buffer = new ReadOnlySequence<byte>(Wire.Header(3, type));

        var ex = Assert.Throws<MpmsProtocolException>(() => new FrameReader(Cap).TryRead(ref buffer, out _, out _));

        Assert.Contains($"type {type}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_SeveralFrames_ReadsThemInOrderThenStops()
    {
        byte[] bytes = [.. Wire.Frame((byte)FrameType.Ready, []), .. Wire.Frame((byte)FrameType.Cancel, [9, 8, 7]), .. Wire.Frame((byte)FrameType.Heartbeat, [])];

        List<(FrameType Type, byte[] Body)> frames = Wire.Decode(bytes, Cap);

        Assert.Equal([FrameType.Ready, FrameType.Cancel, FrameType.Heartbeat], frames.Select(f => f.Type));
        Assert.Equal(new byte[] { 9, 8, 7 }, frames[1].Body);
    }

    [Fact]
    public void TryRead_FramesCutIntoOneByteSegments_DecodeLikeContiguousBytes()
    {
        byte[] bytes = [.. Wire.Frame((byte)FrameType.Job, Enumerable.Range(0, 40).Select(i => (byte)i).ToArray()), .. Wire.Frame((byte)FrameType.Ready, []), .. Wire.Frame((byte)FrameType.Credit, [4, 0, 0, 0])];

        List<(FrameType Type, byte[] Body)> contiguous = Wire.Decode(bytes, Cap);
        List<(FrameType Type, byte[] Body)> segmented = Wire.Decode(Sequences.Bytewise(bytes), Cap);

        Assert.Equal(3, segmented.Count);
        Assert.Equal(contiguous.Select(f => f.Type), segmented.Select(f => f.Type));
        Assert.Equal(contiguous.Select(f => f.Body), segmented.Select(f => f.Body));
    }

    [Fact]
    public void TryRead_FrameArrivingByteByByte_CompletesOnlyWithItsLastByte()
    {
        byte[] bytes = Wire.Frame((byte)FrameType.Result, Enumerable.Range(0, 20).Select(i => (byte)(i * 3)).ToArray());
        var reader = new FrameReader(Cap);

        for (int available = 0; available < bytes.Length; available++)
        {
            ReadOnlySequence<byte> partial = Sequences.Bytewise(bytes.AsMemory(0, available));
            Assert.False(reader.TryRead(ref partial, out _, out _));
            Assert.Equal(available, partial.Length);
        }

        ReadOnlySequence<byte> whole = Sequences.Bytewise(bytes);
        Assert.True(reader.TryRead(ref whole, out FrameType type, out ReadOnlySequence<byte> body));
        Assert.Equal(FrameType.Result, type);
        Assert.Equal(bytes[FrameReader.HeaderSize..], body.ToArray());
    }

    [Fact]
    public void TryRead_HeaderSplitAcrossSegmentsWithEmptyOnes_IsRead()
    {
        byte[] bytes = Wire.Frame((byte)FrameType.Cancel, [1, 2, 3, 4, 5, 6, 7, 8]);
        ReadOnlySequence<byte> buffer = Sequences.Split(bytes, [0, 2, 2, 5, 5, 6]);

        Assert.True(new FrameReader(Cap).TryRead(ref buffer, out FrameType type, out ReadOnlySequence<byte> body));

        Assert.Equal(FrameType.Cancel, type);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, body.ToArray());
    }

    [Fact]
    public void TryRead_ValidFrameThenOversizedHeader_ReturnsTheFrameThenThrows()
    {
        byte[] bytes = [.. Wire.Frame((byte)FrameType.Ready, []), .. Wire.Header(Cap + 2, (byte)FrameType.Job)];
        var buffer = new ReadOnlySequence<byte>(bytes);
        var reader = new FrameReader(Cap);

        Assert.True(reader.TryRead(ref buffer, out FrameType first, out _));
        Assert.Equal(FrameType.Ready, first);
        Assert.Throws<MpmsProtocolException>(() => reader.TryRead(ref buffer, out _, out _));
    }
}
