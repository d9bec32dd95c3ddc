using System.Buffers;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class SmallFramesTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public async Task ReadInt32_WhatPostInt32Wrote_GivesTheValue(int value)
    {
        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(new SmallFrame(FrameType.Credit, 4, value)), FrameType.Credit);

        Assert.Equal(value, SmallFrames.ReadInt32(body));
        Assert.Equal(value, SmallFrames.ReadInt32(Sequences.Bytewise(body.ToArray())));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    [InlineData(0x0102030405060708L)]
    public async Task ReadInt64_WhatPostInt64Wrote_GivesTheValue(long value)
    {
        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(new SmallFrame(FrameType.Returned, 8, value)), FrameType.Returned);

        Assert.Equal(value, SmallFrames.ReadInt64(body));
        Assert.Equal(value, SmallFrames.ReadInt64(Sequences.Bytewise(body.ToArray())));
    }

    [Theory]
    [InlineData((byte)0)]
    [InlineData((byte)7)]
    [InlineData((byte)255)]
    public async Task ReadByte_WhatPostByteWrote_GivesTheValue(byte value)
    {
        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(new SmallFrame(FrameType.Leaving, 1, value)), FrameType.Leaving);

        Assert.Equal(value, SmallFrames.ReadByte(body));
    }

    [Fact]
    public void ReadByte_OneByteAfterAnEmptySegment_GivesTheByte()
    {
        // A one-byte sequence whose first segment is empty is still a one-byte sequence.
        ReadOnlySequence<byte> body = Sequences.Split(new byte[] { 42 }, [0]);

        Assert.Equal(1, body.Length);
        Assert.Equal(42, SmallFrames.ReadByte(body));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    public void ReadInt32_WrongLength_Throws(int length) =>
        Assert.Throws<MpmsProtocolException>(() => SmallFrames.ReadInt32(new ReadOnlySequence<byte>(new byte[length])));

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(9)]
    public void ReadInt64_WrongLength_Throws(int length) =>
        Assert.Throws<MpmsProtocolException>(() => SmallFrames.ReadInt64(new ReadOnlySequence<byte>(new byte[length])));

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void ReadByte_WrongLength_Throws(int length) =>
        Assert.Throws<MpmsProtocolException>(() => SmallFrames.ReadByte(new ReadOnlySequence<byte>(new byte[length])));
}
