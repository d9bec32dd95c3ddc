using System.Buffers.Binary;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class FrameBufferTests
{
    [Fact]
    public void Append_WritesLengthPlusOneAndType_ThenReturnsTheBodySpan()
    {
        using var buffer = new FrameBuffer();

        Span<byte> body = buffer.Append(FrameType.Credit, 4);
        BinaryPrimitives.WriteInt32LittleEndian(body, 77);

        byte[] written = buffer.WrittenMemory.ToArray();
        Assert.Equal(9, written.Length);
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32LittleEndian(written));
        Assert.Equal((byte)FrameType.Credit, written[4]);
        Assert.Equal(77, BinaryPrimitives.ReadInt32LittleEndian(written.AsSpan(5)));
    }

    [Fact]
    public void Append_BeyondTheInitialSize_GrowsAndKeepsEarlierFrames()
    {
        using var buffer = new FrameBuffer();
        buffer.Append(FrameType.Cancel, 8).Fill(0xAB);

        Span<byte> big = buffer.Append(FrameType.Job, 100_000);
        big.Fill(0xCD);

        Assert.Equal(13 + 100_005, buffer.Length);
        byte[] written = buffer.WrittenMemory.ToArray();
        Assert.All(written.AsSpan(5, 8).ToArray(), b => Assert.Equal(0xAB, b));
        Assert.All(written.AsSpan(18).ToArray(), b => Assert.Equal(0xCD, b));
    }

    [Fact]
    public void Reset_AfterAVeryLargeFrame_ForgetsWhatWasWritten()
    {
        using var buffer = new FrameBuffer();
        buffer.Append(FrameType.Job, 2 * 1024 * 1024);

        buffer.Reset();
        buffer.Append(FrameType.Ready, 0);

        Assert.Equal(FrameReader.HeaderSize, buffer.Length);
    }
}
