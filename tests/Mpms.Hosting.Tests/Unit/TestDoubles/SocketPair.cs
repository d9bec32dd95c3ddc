using System.Net.Sockets;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>Two connected local stream sockets, like the link between the application and a worker process.</summary>
internal sealed class SocketPair : IDisposable
{
    private SocketPair(Socket left, Socket right)
    {
        Left = left;
        Right = right;
    }

    public Socket Left { get; }

    public Socket Right { get; }

    public static async Task<SocketPair> CreateAsync()
    {
        // The listener's file is only needed until the connection is made.
        string path = Path.Combine(Path.GetTempPath(), $"mpms-unit-{Guid.NewGuid():N}.sock");
        var endpoint = new UnixDomainSocketEndPoint(path);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(endpoint);
            listener.Listen(1);
            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            Task<Socket> accepting = listener.AcceptAsync();
            await client.ConnectAsync(endpoint);
            Socket server = await accepting;
            return new SocketPair(client, server);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        Left.Dispose();
        Right.Dispose();
    }
}
