using System.Buffers;
using System.Buffers.Binary;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class ResultFrameTests
{
    private const int FixedSize = 8 + 1 + 4 + 8 + 8;

    [Fact]
    public async Task Read_WhatPostSuccessWrote_GivesTheSameFieldsAndPayload()
    {
        byte[] payload = "{\"value\":42}"u8.ToArray();
        long started = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).Ticks;

        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(ResultFrame.Success(17, 3, started, started + 12345, payload)), FrameType.Result);
        ResultFrame frame = ResultFrame.Read(body);

        Assert.Equal(17, frame.Sequence);
        Assert.Equal(WireStatus.Succeeded, frame.Status);
        Assert.Equal(3, frame.ThreadNumber);
        Assert.Equal(started, frame.StartedTicks);
        Assert.Equal(started + 12345, frame.FinishedTicks);
        Assert.Equal(payload, frame.Payload.ToArray());
        Assert.Null(frame.Error);
    }

    [Fact]
    public async Task Read_SuccessWithEmptyPayload_GivesEmptyPayload()
    {
        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(ResultFrame.Success(1, 1, 0, 0, ReadOnlyMemory<byte>.Empty)), FrameType.Result);

        ResultFrame frame = ResultFrame.Read(body);

        Assert.True(frame.Payload.IsEmpty);
        Assert.Equal(0, frame.StartedTicks);
    }

    [Theory]
    [InlineData((byte)WireStatus.Failed)]
    [InlineData((byte)WireStatus.TimedOut)]
    [InlineData((byte)WireStatus.Canceled)]
    public async Task Read_WhatPostErrorWrote_GivesTheSameError(byte wireStatus)
    {
        var status = (WireStatus)wireStatus;
        var error = new WireError("System.InvalidOperationException", "bad state", "   at Worker.Run()", "System.InvalidOperationException: bad state\n   at Worker.Run()");

        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(ResultFrame.Failure(99, status, 2, 10, 20, error)), FrameType.Result);
        ResultFrame frame = ResultFrame.Read(body);

        Assert.Equal(99, frame.Sequence);
        Assert.Equal(status, frame.Status);
        Assert.Equal(2, frame.ThreadNumber);
        Assert.Equal(10, frame.StartedTicks);
        Assert.Equal(20, frame.FinishedTicks);
        Assert.Equal(error, frame.Error);
        Assert.True(frame.Payload.IsEmpty);
    }

    [Fact]
    public async Task Read_ErrorWithNullStackTraceAndDetails_KeepsThemNull()
    {
        var error = new WireError("My.Error", string.Empty, null, null);

        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(ResultFrame.Failure(5, WireStatus.Failed, 1, 0, 0, error)), FrameType.Result);
        ResultFrame frame = ResultFrame.Read(body);

        Assert.NotNull(frame.Error);
        Assert.Equal("My.Error", frame.Error.Type);
        Assert.Equal(string.Empty, frame.Error.Message);
        Assert.Null(frame.Error.StackTrace);
        Assert.Null(frame.Error.Details);
    }

    [Fact]
    public async Task Read_ErrorWithNonAsciiText_KeepsEveryCharacter()
    {
        var error = new WireError(
            "Caf\u00e9.\u00c9rreur",
            "\u4efb\u52a1\u5931\u8d25: \u00fcber \ud83d\ude00 \u0000 tab\t",
            "   at \u5de5\u4f5c\u8005.\u8fd0\u884c()",
            new string('\u00e9', 10_000));

        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(ResultFrame.Failure(5, WireStatus.Failed, 1, 0, 0, error)), FrameType.Result);

        Assert.Equal(error, ResultFrame.Read(body).Error);
        Assert.Equal(error, ResultFrame.Read(Sequences.Bytewise(body.ToArray())).Error);
    }

    [Fact]
    public void Read_NullErrorType_GivesEmptyType()
    {
        byte[] body = [.. Fixed(WireStatus.Failed), .. Str(null), .. Str("m"), .. Str(null), .. Str(null)];

        ResultFrame frame = ResultFrame.Read(new ReadOnlySequence<byte>(body));

        Assert.Equal(string.Empty, frame.Error!.Type);
        Assert.Equal("m", frame.Error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(FixedSize - 1)]
    public void Read_TruncatedFixedFields_Throws(int length)
    {
        byte[] body = Fixed(WireStatus.Succeeded)[..length];

        Assert.Throws<MpmsProtocolException>(() => ResultFrame.Read(new ReadOnlySequence<byte>(body)));
    }

    [Theory]
    [InlineData(13, -1L)]
    [InlineData(13, long.MaxValue)]
    [InlineData(21, -1L)]
    [InlineData(21, 3155378976000000000L)] // one tick past DateTime.MaxValue
    public void Read_TimeOutsideTheCalendar_Throws(int offset, long ticks)
    {
        byte[] body = Fixed(WireStatus.Succeeded);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(offset), ticks);

        var ex = Assert.Throws<MpmsProtocolException>(() => ResultFrame.Read(new ReadOnlySequence<byte>(body)));

        Assert.Contains("time", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((byte)4)]
    [InlineData((byte)255)]
    public void Read_UnknownStatus_Throws(byte status)
    {
        byte[] body = Fixed(WireStatus.Succeeded);
        body[8] = status;

        var ex = Assert.Throws<MpmsProtocolException>(() => ResultFrame.Read(new ReadOnlySequence<byte>(body)));

        Assert.Contains($"status {status}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ErrorWithoutItsStrings_Throws()
    {
        byte[] body = Fixed(WireStatus.Failed);

        Assert.Throws<MpmsProtocolException>(() => ResultFrame.Read(new ReadOnlySequence<byte>(body)));
    }

    [Fact]
    public void Read_ErrorCutInsideAString_Throws()
    {
        byte[] full = [.. Fixed(WireStatus.Failed), .. Str("type"), .. Str("message"), .. Str("stack"), .. Str("details")];

        for (int length = FixedSize; length < full.Length; length++)
        {
            byte[] body = full[..length];
            Assert.Throws<MpmsProtocolException>(() => ResultFrame.Read(new ReadOnlySequence<byte>(body)));
        }
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(int.MinValue)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void Read_StringLengthThatDoesNotFit_Throws(int length)
    {
        byte[] prefix = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, length);
        byte[] body = [.. Fixed(WireStatus.Failed), .. prefix, .. "abc"u8.ToArray()];

        Assert.Throws<MpmsProtocolException>(() => ResultFrame.Read(new ReadOnlySequence<byte>(body)));
    }

    private static byte[] Fixed(WireStatus status)
    {
        var fixedPart = new byte[FixedSize];
        BinaryPrimitives.WriteInt64LittleEndian(fixedPart, 1);
        fixedPart[8] = (byte)status;
        BinaryPrimitives.WriteInt32LittleEndian(fixedPart.AsSpan(9), 1);
        return fixedPart;
    }

    private static byte[] Str(string? value)
    {
        byte[] text = value is null ? [] : System.Text.Encoding.UTF8.GetBytes(value);
        var result = new byte[4 + text.Length];
        BinaryPrimitives.WriteInt32LittleEndian(result, value is null ? -1 : text.Length);
        text.CopyTo(result, 4);
        return result;
    }
}
