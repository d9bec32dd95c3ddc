using System.Buffers;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class JobFrameTests
{
    [Theory]
    [InlineData(1L, 2L, 1, 0)]
    [InlineData(long.MaxValue, long.MinValue, int.MaxValue, 5)]
    [InlineData(-1L, 0L, 0, 70_000)]
    public async Task Read_WhatPostWrote_GivesTheSameFields(long sequence, long idHigh, int attempt, int payloadLength)
    {
        byte[] payload = Enumerable.Range(0, payloadLength).Select(i => (byte)(i * 7)).ToArray();

        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(new JobFrame(sequence, idHigh, attempt, null, payload)), FrameType.Job);
        JobFrame frame = JobFrame.Read(body);

        Assert.Equal(sequence, frame.Sequence);
        Assert.Equal(idHigh, frame.IdHigh);
        Assert.Equal(attempt, frame.Attempt);
        Assert.Equal(payload, frame.Payload.ToArray());
    }

    [Fact]
    public async Task Read_BodyInOneByteSegments_GivesTheSameFields()
    {
        byte[] payload = "{\"op\":\"x\"}"u8.ToArray();
        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(new JobFrame(42, 0x0123456789ABCDEF, 3, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", payload)), FrameType.Job);

        JobFrame frame = JobFrame.Read(Sequences.Bytewise(body.ToArray()));
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", frame.TraceParent);

        Assert.Equal(42, frame.Sequence);
        Assert.Equal(0x0123456789ABCDEF, frame.IdHigh);
        Assert.Equal(3, frame.Attempt);
        Assert.Equal(payload, frame.Payload.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(19)]
    public void Read_FewerBytesThanTheFixedFields_Throws(int length)
    {
        var body = new ReadOnlySequence<byte>(new byte[length]);

        Assert.Throws<MpmsProtocolException>(() => JobFrame.Read(body));
    }

    [Fact]
    public void Read_ExactlyTheFixedFields_GivesAnEmptyPayload()
    {
        JobFrame frame = JobFrame.Read(new ReadOnlySequence<byte>(new byte[21]));

        Assert.True(frame.Payload.IsEmpty);
    }
}
