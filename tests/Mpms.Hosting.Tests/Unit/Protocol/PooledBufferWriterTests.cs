using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void GetSpan_NoHint_GivesAtLeastOneByte()
    {
        using var writer = new PooledBufferWriter(1);

        Assert.True(writer.GetSpan().Length >= 1);
        Assert.True(writer.GetMemory().Length >= 1);
    }

    [Fact]
    public void GetSpan_HintLargerThanTheBuffer_GrowsAndKeepsWhatWasWritten()
    {
        using var writer = new PooledBufferWriter(16);
        Write(writer, [1, 2, 3]);

        Span<byte> span = writer.GetSpan(10_000);

        Assert.True(span.Length >= 10_000);
        Assert.Equal(new byte[] { 1, 2, 3 }, writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Advance_ManySmallWrites_KeepsEveryByteInOrder()
    {
        using var writer = new PooledBufferWriter(4);
        byte[] expected = [.. Enumerable.Range(0, 5000).Select(i => (byte)i)];

        foreach (byte b in expected)
        {
            writer.GetSpan(1)[0] = b;
            writer.Advance(1);
        }

        Assert.Equal(5000, writer.WrittenCount);
        Assert.Equal(expected, writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void GetMemory_HintLargerThanTheBuffer_Grows()
    {
        using var writer = new PooledBufferWriter(8);
        Write(writer, [9, 9]);

        Memory<byte> memory = writer.GetMemory(1000);

        Assert.True(memory.Length >= 1000);
        Assert.Equal(new byte[] { 9, 9 }, writer.WrittenMemory.ToArray());
    }

    [Fact]
    public void Clear_ForgetsWhatWasWritten()
    {
        using var writer = new PooledBufferWriter();
        Write(writer, [1, 2, 3]);

        writer.Clear();

        Assert.Equal(0, writer.WrittenCount);
        Assert.True(writer.WrittenMemory.IsEmpty);
    }

    [Fact]
    public void Detach_HandsOverTheArrayWithItsLengthAndStartsAfresh()
    {
        using var writer = new PooledBufferWriter();
        Write(writer, [5, 6, 7]);

        byte[] detached = writer.Detach(out int length);
        Write(writer, [8]);

        Assert.Equal(3, length);
        Assert.Equal(new byte[] { 5, 6, 7 }, detached[..length]);
        Assert.Equal(new byte[] { 8 }, writer.WrittenMemory.ToArray());
        detached[0] = 0;
        Assert.Equal(new byte[] { 8 }, writer.WrittenMemory.ToArray());
        System.Buffers.ArrayPool<byte>.Shared.Return(detached);
    }

    [Fact]
    public void Detach_Empty_GivesLengthZero()
    {
        using var writer = new PooledBufferWriter();

        byte[] detached = writer.Detach(out int length);

        Assert.Equal(0, length);
        Assert.NotNull(detached);
        System.Buffers.ArrayPool<byte>.Shared.Return(detached);
    }

    private static void Write(PooledBufferWriter writer, byte[] bytes)
    {
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
    }
}
