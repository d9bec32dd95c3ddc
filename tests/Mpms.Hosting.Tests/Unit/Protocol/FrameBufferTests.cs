using System.Buffers.Binary;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class FrameBufferTests
{
    [Fact]
    public void Begin_WritesLengthPlusOneAndType_ThenReturnsTheBodySpan()
    {
        using var buffer = new FrameBuffer();

        Span<byte> body = FrameHeader.Begin(buffer, FrameType.Credit, 4);
        BinaryPrimitives.WriteInt32LittleEndian(body, 77);
        FrameHeader.Commit(buffer, 4);

        byte[] written = buffer.WrittenMemory.ToArray();
        Assert.Equal(9, written.Length);
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32LittleEndian(written));
        Assert.Equal((byte)FrameType.Credit, written[4]);
        Assert.Equal(77, BinaryPrimitives.ReadInt32LittleEndian(written.AsSpan(5)));
    }

    [Fact]
    public void Begin_BeyondTheInitialSize_GrowsAndKeepsEarlierFrames()
    {
        using var buffer = new FrameBuffer();
        FrameHeader.Begin(buffer, FrameType.Cancel, 8).Fill(0xAB);
        FrameHeader.Commit(buffer, 8);

        FrameHeader.Begin(buffer, FrameType.Job, 100_000).Fill(0xCD);
        FrameHeader.Commit(buffer, 100_000);

        Assert.Equal(13 + 100_005, buffer.Length);
        byte[] written = buffer.WrittenMemory.ToArray();
        Assert.All(written.AsSpan(5, 8).ToArray(), b => Assert.Equal(0xAB, b));
        Assert.All(written.AsSpan(18).ToArray(), b => Assert.Equal(0xCD, b));
    }

    [Fact]
    public void Reset_AfterAVeryLargeFrame_ForgetsWhatWasWritten()
    {
        using var buffer = new FrameBuffer();
        FrameHeader.Begin(buffer, FrameType.Job, 2 * 1024 * 1024);
        FrameHeader.Commit(buffer, 2 * 1024 * 1024);

        buffer.Reset();
        new SmallFrame(FrameType.Ready, 0, 0).WriteTo(buffer);

        Assert.Equal(FrameHeader.Size, buffer.Length);
    }
}
