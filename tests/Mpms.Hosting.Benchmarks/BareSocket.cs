using System.Diagnostics;
using System.Net.Sockets;

namespace Mpms.Hosting.Benchmarks;

/// <summary>
/// The latency limit: a 16-byte round trip between two plain .NET processes over a Unix domain socket, async on both
/// sides — what the pool's round trip is compared with.
/// </summary>
public static class BareSocket
{
    public const string EchoArgument = "--echo-server";

    public static async Task RunEchoServerAsync(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        byte[] buffer = new byte[16];
        while (true)
        {
            int read = 0;
            while (read < buffer.Length)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
                if (n == 0)
                {
                    return;
                }

                read += n;
            }

            await socket.SendAsync(buffer, SocketFlags.None);
        }
    }

    /// <summary>Measures <paramref name="count"/> round trips and returns them in microseconds.</summary>
    public static async Task<double[]> MeasureAsync(int count)
    {
        string directory = Directory.CreateTempSubdirectory("mpms-bench-").FullName;
        string path = Path.Combine(directory, "echo.sock");
        try
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            using Process echo = StartSelf(EchoArgument, path);
            try
            {
                using Socket socket = await listener.AcceptAsync();
                byte[] buffer = new byte[16];
                var samples = new double[count];
                for (int i = -Math.Min(1000, count); i < count; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    await socket.SendAsync(buffer, SocketFlags.None);
                    int read = 0;
                    while (read < buffer.Length)
                    {
                        read += await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
                    }

                    if (i >= 0)
                    {
                        samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                    }
                }

                socket.Shutdown(SocketShutdown.Both);
                return samples;
            }
            finally
            {
                if (!echo.WaitForExit(5000))
                {
                    echo.Kill();
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static Process StartSelf(params string[] arguments)
    {
        string path = Environment.ProcessPath!;
        var start = new ProcessStartInfo(path) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            start.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }
}
