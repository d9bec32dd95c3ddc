using System.Buffers;
using System.Net.Sockets;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>Encodes frames the way a link does (a <see cref="FrameOutbox"/> writing to a socket) and cuts them up again.</summary>
internal static class Wire
{
    /// <summary>A generous ceiling for waits that only a failing test reaches; never a timing assertion.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    /// <summary>Posts frames to an outbox, lets it write them to one end of a socket pair, and returns what the other end received.</summary>
    public static async Task<byte[]> EncodeAsync(Action<FrameOutbox> post)
    {
        using SocketPair pair = await SocketPair.CreateAsync();
        using var outbox = new FrameOutbox();
        post(outbox);
        outbox.Complete();
        Task<byte[]> reading = ReadToEndAsync(pair.Right);
        await outbox.RunAsync(pair.Left, CancellationToken.None).WaitAsync(HangGuard);
        pair.Left.Shutdown(SocketShutdown.Send);
        return await reading.WaitAsync(HangGuard);
    }

    /// <summary>Cuts every frame out of <paramref name="bytes"/>; fails when bytes are left over.</summary>
    public static List<(FrameType Type, byte[] Body)> Decode(ReadOnlySequence<byte> bytes, int maxBodySize = 1024 * 1024)
    {
        var reader = new FrameReader(maxBodySize);
        var frames = new List<(FrameType, byte[])>();
        while (reader.TryRead(ref bytes, out FrameType type, out ReadOnlySequence<byte> body))
        {
            frames.Add((type, body.ToArray()));
        }

        Assert.Equal(0, bytes.Length);
        return frames;
    }

    public static List<(FrameType Type, byte[] Body)> Decode(byte[] bytes, int maxBodySize = 1024 * 1024) =>
        Decode(new ReadOnlySequence<byte>(bytes), maxBodySize);

    /// <summary>Encodes one frame and returns its body, as a handler would receive it.</summary>
    public static async Task<ReadOnlySequence<byte>> EncodeOneAsync(Action<FrameOutbox> post, FrameType expectedType)
    {
        byte[] bytes = await EncodeAsync(post);
        (FrameType type, byte[] body) = Assert.Single(Decode(bytes));
        Assert.Equal(expectedType, type);
        return new ReadOnlySequence<byte>(body);
    }

    /// <summary>Builds one frame by hand: a little-endian length (body + 1), the type byte, the body.</summary>
    public static byte[] Frame(byte type, ReadOnlySpan<byte> body) => Header((uint)body.Length + 1, type).Concat(body.ToArray()).ToArray();

    public static byte[] Header(uint length, byte type)
    {
        var header = new byte[FrameReader.HeaderSize];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        header[4] = type;
        return header;
    }

    public static async Task<byte[]> ReadToEndAsync(Socket socket)
    {
        using var received = new MemoryStream();
        var chunk = new byte[64 * 1024];
        while (true)
        {
            int count = await socket.ReceiveAsync(chunk, SocketFlags.None);
            if (count == 0)
            {
                return received.ToArray();
            }

            received.Write(chunk, 0, count);
        }
    }
}
