using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// The defences of the pool's socket, seen from outside: a stranger that connects to it is refused and logged, and
/// the pool goes on as if nothing happened. The frames are written byte by byte here, not with the library's encoders,
/// so these tests also pin the wire format: a 4-byte little-endian length of type + body, the type byte, the body.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class LinkSecurityTests
{
    private const byte HelloType = 1;
    private const byte HeartbeatType = 10;
    private const int ConnectionRejectedId = 1014;

    /// <summary>Every way in which a stranger's first bytes can be wrong; each must be refused without a wait.</summary>
    public static TheoryData<string> Intrusions =>
    [
        "hello with a wrong secret",
        "hello with an empty secret",
        "hello without a secret",
        "hello with another protocol version",
        "hello whose body is not JSON",
        "hello whose body is JSON null",
        "a frame that is not a hello",
        "a frame of an unknown type",
        "a frame of length zero",
        "a frame longer than a hello may be",
        "an HTTP request",
        "a frame cut off by the end of the stream",
        "nothing, then the end of the stream",
    ];

    [Fact]
    public async Task FloodOfSilentConnections_TheOldestAreShed_AndThePoolGoesOnServing()
    {
        const int Excess = 200;
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1);
        await pool.WaitForReadyAsync();
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < Supervision.WorkerListener.MaxHandshakes + Excess; i++)
            {
                sockets.Add(await ConnectPatientlyAsync(pool));
            }

            await pool.WaitUntilAsync(_ => pool.Logs.Entries.Count(e => e.EventId.Name == "ConnectionShed") >= Excess, $"{Excess} silent connections to be shed");

            // The pool holds at most its limit of silent connections: the oldest ones see the end of their stream.
            foreach (Socket shed in sockets.Take(Excess))
            {
                Assert.Equal(0, await shed.ReceiveAsync(new byte[1], SocketFlags.None).WaitAsync(TestPool.WaitCeiling));
            }

            Assert.Contains(pool.Logs.Entries, e => e.EventId.Name == "HandshakesSaturated");
            Assert.Equal(42, (await pool.Queue.RunAsync(new TestJob("double", 21)).WaitAsync(TestPool.WaitCeiling)).Value);
        }
        finally
        {
            sockets.ForEach(socket => socket.Dispose());
        }
    }

    [Fact]
    public async Task WorkerProcess_ItsEnvironmentAndCommandLine_HoldNoSecret()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1);
        TestResult worker = await pool.Queue.RunAsync(new TestJob("whoami", 1));

        // The kernel's copy of the environment keeps what the worker cleared in its own: it is the one another process reads.
        string environment = (await File.ReadAllTextAsync($"/proc/{worker.ProcessId}/environ")).Replace('\0', '\n');
        string commandLine = (await File.ReadAllTextAsync($"/proc/{worker.ProcessId}/cmdline")).Replace('\0', ' ');

        Assert.Contains("MPMS_WORKER_POOL=TestWorker", environment, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", environment, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("[0-9A-Fa-f]{64}", environment);
        Assert.DoesNotMatch("[0-9A-Fa-f]{64}", commandLine);
    }

    [Theory]
    [MemberData(nameof(Intrusions))]
    public async Task Connection_WithInvalidFirstBytes_IsClosedAndLoggedAndThePoolGoesOn(string intrusion)
    {
        await using TestPool pool = await TestPool.StartAsync();
        await pool.WaitForReadyAsync();
        int readyBefore = pool.Pool.GetStats().ProcessesReady;
        IReadOnlyList<int> startedBefore = pool.StartedProcessIds;

        using Socket socket = await ConnectAsync(pool);
        (byte[] bytes, bool endStream) = Bytes(intrusion);
        if (bytes.Length > 0)
        {
            // One send: the pool reads it whole, so it closes a connection with nothing left unread (no reset).
            Assert.Equal(bytes.Length, await socket.SendAsync(bytes, SocketFlags.None));
        }

        if (endStream)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        Assert.Equal(0, await ReadUntilClosedAsync(socket, intrusion));

        LogEntry rejected = await WaitForRejectionAsync(pool);
        Assert.Equal(LogLevel.Warning, rejected.Level);
        Assert.Equal("ConnectionRejected", rejected.EventId.Name);
        string reason = Reason(rejected);
        if (intrusion == "hello with a wrong secret")
        {
            // The listener understood the frame and its JSON, and refused only the secret: the bytes above are the
            // format the listener reads.
            Assert.Contains("secret", reason, StringComparison.OrdinalIgnoreCase);
        }
        else if (intrusion == "hello with another protocol version")
        {
            Assert.Contains("version", reason, StringComparison.OrdinalIgnoreCase);
        }

        await AssertPoolGoesOnAsync(pool, readyBefore, startedBefore);
    }

    [Fact]
    public async Task Connection_ThatSendsNothing_IsClosedAfterTheHelloTimeoutAndThePoolGoesOn()
    {
        await using TestPool pool = await TestPool.StartAsync();
        await pool.WaitForReadyAsync();
        int readyBefore = pool.Pool.GetStats().ProcessesReady;
        IReadOnlyList<int> startedBefore = pool.StartedProcessIds;

        // The connection stays open and silent: only the listener's hello timeout can end it.
        using Socket socket = await ConnectAsync(pool);

        Assert.Equal(0, await ReadUntilClosedAsync(socket, "a silent connection"));

        LogEntry rejected = await WaitForRejectionAsync(pool);
        Assert.Equal(LogLevel.Warning, rejected.Level);
        Assert.Equal("ConnectionRejected", rejected.EventId.Name);
        Assert.Contains("hello", Reason(rejected), StringComparison.OrdinalIgnoreCase);
        await AssertPoolGoesOnAsync(pool, readyBefore, startedBefore);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task SocketDirectory_IsPrivateToTheUser_AndRemovedWhenThePoolStops()
    {
        await using TestPool pool = await TestPool.StartAsync();
        await pool.WaitForReadyAsync();
        string endpoint = pool.Supervisor.Endpoint ?? throw new InvalidOperationException("A started pool has no socket.");
        string directory = Path.GetDirectoryName(endpoint)!;

        Assert.True(File.Exists(endpoint), $"The socket {endpoint} does not exist.");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));

        await pool.StopAsync();

        Assert.False(Directory.Exists(directory), $"The socket directory {directory} is still there after the pool stopped.");
    }

    /// <summary>The bytes a stranger sends, and whether it then ends its side of the stream.</summary>
    private static (byte[] Bytes, bool EndStream) Bytes(string intrusion) => intrusion switch
    {
        "hello with a wrong secret" => (Frame(HelloType, Json(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)), ControlMessages.ProtocolVersion)), false),
        "hello with an empty secret" => (Frame(HelloType, Json(string.Empty, ControlMessages.ProtocolVersion)), false),
        "hello without a secret" => (Frame(HelloType, Encoding.UTF8.GetBytes($$"""{"ProcessId":{{Environment.ProcessId}},"ProtocolVersion":{{ControlMessages.ProtocolVersion}}}""")), false),
        "hello with another protocol version" => (Frame(HelloType, Json(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)), 99)), false),
        "hello whose body is not JSON" => (Frame(HelloType, "{Secret: hello"u8), false),
        "hello whose body is JSON null" => (Frame(HelloType, "null"u8), false),
        "a frame that is not a hello" => (Frame(HeartbeatType, []), false),
        "a frame of an unknown type" => (Frame(0xEE, "x"u8), false),
        "a frame of length zero" => ([0, 0, 0, 0, HelloType], false),
        "a frame longer than a hello may be" => (Header(int.MaxValue, HelloType), false),
        "an HTTP request" => ("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray(), false),
        "a frame cut off by the end of the stream" => ([.. Header(100, HelloType), .. "{\"Secret\""u8], true),
        "nothing, then the end of the stream" => ([], true),
        _ => throw new ArgumentOutOfRangeException(nameof(intrusion), intrusion, "No such case."),
    };

    private static byte[] Json(string secret, int protocolVersion) =>
        Encoding.UTF8.GetBytes($$"""{"Secret":"{{secret}}","ProcessId":{{Environment.ProcessId}},"ProtocolVersion":{{protocolVersion}}}""");

    private static byte[] Frame(byte type, ReadOnlySpan<byte> body) => [.. Header(1 + body.Length, type), .. body];

    /// <summary>The 5 bytes before a body: the little-endian length of type + body, then the type.</summary>
    private static byte[] Header(int length, byte type)
    {
        var header = new byte[5];
        BinaryPrimitives.WriteInt32LittleEndian(header, length);
        header[4] = type;
        return header;
    }

    /// <summary>
    /// Connects as a flood does: a blocking connect, which the kernel holds while the listen backlog is full until the
    /// pool has accepted some (a non-blocking one would fail with EAGAIN); bounded by the send timeout.
    /// </summary>
    private static Task<Socket> ConnectPatientlyAsync(TestPool pool)
    {
        string endpoint = pool.Supervisor.Endpoint ?? throw new InvalidOperationException("A started pool has no socket.");
        return Task.Run(() =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            {
                SendTimeout = (int)TestPool.WaitCeiling.TotalMilliseconds,
            };
            try
            {
                socket.Connect(new UnixDomainSocketEndPoint(endpoint));
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        });
    }

    private static async Task<Socket> ConnectAsync(TestPool pool)
    {
        string endpoint = pool.Supervisor.Endpoint ?? throw new InvalidOperationException("A started pool has no socket.");
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads until the pool closes the connection; returns what the last read returned (0 when it closed).</summary>
    private static async Task<int> ReadUntilClosedAsync(Socket socket, string what)
    {
        using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
        var buffer = new byte[256];
        try
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, ceiling.Token);
            Assert.True(read == 0, $"The pool answered {read} bytes to {what} instead of closing the connection.");
            return read;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The pool kept the connection of {what} open for {TestPool.WaitCeiling}.");
        }
    }

    private static async Task<LogEntry> WaitForRejectionAsync(TestPool pool)
    {
        await pool.WaitUntilAsync(_ => pool.Logs.Entries.Any(e => e.EventId.Id == ConnectionRejectedId), "the refusal logged");
        return Assert.Single(pool.Logs.Entries, e => e.EventId.Id == ConnectionRejectedId);
    }

    private static string Reason(LogEntry entry) =>
        entry.State.FirstOrDefault(p => p.Key == "Reason").Value as string
        ?? throw new InvalidOperationException($"The refusal has no reason: {entry.Message}");

    /// <summary>The pool runs jobs as before, with the same processes: the stranger cost it nothing.</summary>
    private static async Task AssertPoolGoesOnAsync(TestPool pool, int readyBefore, IReadOnlyList<int> startedBefore)
    {
        TestResult result = await pool.Queue.RunAsync(new TestJob("double", 21));

        Assert.Equal(42, result.Value);
        Assert.Contains(result.ProcessId, startedBefore);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(readyBefore, stats.ProcessesReady);
        Assert.Equal(0, stats.Restarts);
        Assert.Equal(startedBefore, pool.StartedProcessIds);
    }
}
