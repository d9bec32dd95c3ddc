using System.Buffers;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

/// <summary>
/// Both sides of <see cref="Handshake"/> over two links on an in-memory pipe pair: the worker greets with its secret,
/// the application checks the hello and welcomes with the pool's settings.
/// </summary>
public sealed class HandshakeTests
{
    private const string Secret = "per-spawn-secret-0f3a";

    [Fact]
    public async Task GreetAsync_ApplicationReadsTheHelloAndWelcomes_WorkerReceivesTheSettings()
    {
        await using var links = LinkPair.Create();
        WorkerSettings settings = LinkTests.Settings();

        Task<WorkerSettings> greeting = Handshake.GreetAsync(links.Worker, Secret, Wire.HangGuard);
        HelloMessage hello = await Handshake.ReadHelloAsync(links.Application, CancellationToken.None).WaitAsync(Wire.HangGuard);
        Handshake.Welcome(links.Application, settings);

        Assert.Equal(new HelloMessage(Secret, Environment.ProcessId, ControlMessages.ProtocolVersion), hello);
        LinkTests.AssertEqual(settings, await greeting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task GreetAsync_FramesRightAfterTheWelcome_AreLeftForRunAsync()
    {
        await using var links = LinkPair.Create();
        Task<WorkerSettings> greeting = Handshake.GreetAsync(links.Worker, Secret, Wire.HangGuard);
        await Handshake.ReadHelloAsync(links.Application, CancellationToken.None).WaitAsync(Wire.HangGuard);

        // The welcome and the first job may arrive in one read: the handshake takes only its own frame.
        Handshake.Welcome(links.Application, LinkTests.Settings());
        Assert.True(links.Application.Outbox.Post(new JobFrame(1, 2, 1, null, new byte[] { 1, 2, 3 })));
        Assert.True(links.Application.Outbox.Post(SmallFrames.Drain(MpmsProcessExitReason.Shutdown)));
        await greeting.WaitAsync(Wire.HangGuard);
        var received = new FrameRecorder();
        Task running = links.Worker.RunAsync(received, 4096, CancellationToken.None);
        await received.WaitForAsync(2);

        Assert.Equal([FrameType.Job, FrameType.Drain], received.Frames.Select(f => f.Type));
        Assert.Equal([1, 2, 3], JobFrame.Read(new ReadOnlySequence<byte>(received.Frames[0].Body)).Payload.ToArray());
        await links.Application.CloseAsync(Wire.HangGuard).WaitAsync(Wire.HangGuard);
        await running.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task ReadHelloAsync_HelloOfAnotherProtocolVersion_ThrowsNamingBothVersions()
    {
        await using var links = LinkPair.Create();

        links.Worker.Outbox.Post(ControlMessages.Hello(new HelloMessage(Secret, 1, ControlMessages.ProtocolVersion + 1)));

        var ex = await Assert.ThrowsAsync<MpmsProtocolException>(() => Handshake.ReadHelloAsync(links.Application, CancellationToken.None).WaitAsync(Wire.HangGuard));
        Assert.Contains($"{ControlMessages.ProtocolVersion + 1} is not {ControlMessages.ProtocolVersion}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadHelloAsync_EmptySecret_Throws()
    {
        await using var links = LinkPair.Create();

        links.Worker.Outbox.Post(ControlMessages.Hello(new HelloMessage("", 1, ControlMessages.ProtocolVersion)));

        var ex = await Assert.ThrowsAsync<MpmsProtocolException>(() => Handshake.ReadHelloAsync(links.Application, CancellationToken.None).WaitAsync(Wire.HangGuard));
        Assert.Contains("no secret", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"Secret\":null,\"ProcessId\":1,\"ProtocolVersion\":1}")]
    [InlineData("{\"ProcessId\":1,\"ProtocolVersion\":1}")]
    [InlineData("{\"Secret\":\"s\",")]
    [InlineData("null")]
    [InlineData("")]
    public async Task ReadHelloAsync_HelloThatIsNotAValidMessage_Throws(string json)
    {
        await using var peer = RawPeer.Create();

        await peer.WriteAsync(Wire.Frame((byte)FrameType.Hello, System.Text.Encoding.UTF8.GetBytes(json)));

        await Assert.ThrowsAsync<MpmsProtocolException>(() => Handshake.ReadHelloAsync(peer.Link, CancellationToken.None).WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task ReadHelloAsync_FirstFrameIsNotAHello_ThrowsNamingIt()
    {
        await using var links = LinkPair.Create();

        links.Worker.Outbox.Post(SmallFrames.Ready());
        links.Worker.Outbox.Post(ControlMessages.Hello(new HelloMessage(Secret, 1, ControlMessages.ProtocolVersion)));

        var ex = await Assert.ThrowsAsync<MpmsProtocolException>(() => Handshake.ReadHelloAsync(links.Application, CancellationToken.None).WaitAsync(Wire.HangGuard));
        Assert.Contains(nameof(FrameType.Ready), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadHelloAsync_HelloOfExactlyMaxHelloSize_IsAccepted()
    {
        await using var links = LinkPair.Create();
        string secret = SecretForHelloOfSize(Handshake.MaxHelloSize);

        links.Worker.Outbox.Post(ControlMessages.Hello(new HelloMessage(secret, 1, ControlMessages.ProtocolVersion)));

        Assert.Equal(secret, (await Handshake.ReadHelloAsync(links.Application, CancellationToken.None).WaitAsync(Wire.HangGuard)).Secret);
    }

    [Fact]
    public async Task ReadHelloAsync_HelloOneByteOverMaxHelloSize_Throws()
    {
        await using var links = LinkPair.Create();

        links.Worker.Outbox.Post(ControlMessages.Hello(new HelloMessage(SecretForHelloOfSize(Handshake.MaxHelloSize + 1), 1, ControlMessages.ProtocolVersion)));

        await Assert.ThrowsAsync<MpmsProtocolException>(() => Handshake.ReadHelloAsync(links.Application, CancellationToken.None).WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task ReadHelloAsync_HeaderOfAHugeHelloWithTheStreamOpen_ThrowsWithoutWaitingForTheBody()
    {
        await using var peer = RawPeer.Create();

        await peer.WriteAsync(Wire.Header(uint.MaxValue, (byte)FrameType.Hello));

        await Assert.ThrowsAsync<MpmsProtocolException>(() => Handshake.ReadHelloAsync(peer.Link, CancellationToken.None).WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task ReadHelloAsync_PeerClosedBeforeTheFirstFrame_Throws()
    {
        await using var links = LinkPair.Create();

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);

        var ex = await Assert.ThrowsAsync<MpmsProtocolException>(() => Handshake.ReadHelloAsync(links.Application, CancellationToken.None).WaitAsync(Wire.HangGuard));
        Assert.Contains("before the first frame", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadHelloAsync_PeerClosesWhileWaiting_Throws()
    {
        await using var links = LinkPair.Create();
        Task<HelloMessage> reading = Handshake.ReadHelloAsync(links.Application, CancellationToken.None);
        Assert.False(reading.IsCompleted);

        await links.Worker.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);

        await Assert.ThrowsAsync<MpmsProtocolException>(() => reading.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task ReadHelloAsync_OwnLinkDisposedWhileWaiting_ThrowsProtocolException()
    {
        await using var links = LinkPair.Create();
        Task<HelloMessage> reading = Handshake.ReadHelloAsync(links.Application, CancellationToken.None);
        Assert.False(reading.IsCompleted);

        await links.Application.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);

        await Assert.ThrowsAsync<MpmsProtocolException>(() => reading.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task ReadHelloAsync_PeerClosesInsideTheHello_Throws()
    {
        await using var peer = RawPeer.Create();
        byte[] hello = Wire.Frame((byte)FrameType.Hello, "{\"Secret\":\"s\",\"ProcessId\":1,\"ProtocolVersion\":1}"u8);

        await peer.WriteAsync(hello[..20]);
        await peer.EndAsync();

        var ex = await Assert.ThrowsAsync<MpmsProtocolException>(() => Handshake.ReadHelloAsync(peer.Link, CancellationToken.None).WaitAsync(Wire.HangGuard));
        Assert.Contains("inside a frame", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadHelloAsync_NoHelloBeforeTheTokenIsCanceled_ThrowsOperationCanceled()
    {
        await using var links = LinkPair.Create();
        using var deadline = new CancellationTokenSource();
        Task<HelloMessage> reading = Handshake.ReadHelloAsync(links.Application, deadline.Token);
        Assert.False(reading.IsCompleted);

        await deadline.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task GreetAsync_AnswerIsAnotherFrameType_ThrowsNamingIt()
    {
        await using var links = LinkPair.Create();
        Task<WorkerSettings> greeting = Handshake.GreetAsync(links.Worker, Secret, Wire.HangGuard);
        await Handshake.ReadHelloAsync(links.Application, CancellationToken.None).WaitAsync(Wire.HangGuard);

        links.Application.Outbox.Post(SmallFrames.Drain(MpmsProcessExitReason.Shutdown));

        var ex = await Assert.ThrowsAsync<MpmsProtocolException>(() => greeting.WaitAsync(Wire.HangGuard));
        Assert.Contains(nameof(FrameType.Drain), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GreetAsync_WelcomeThatIsNotValidSettings_Throws()
    {
        await using var peer = RawPeer.Create();
        Task<WorkerSettings> greeting = Handshake.GreetAsync(peer.Link, Secret, Wire.HangGuard);

        await peer.WriteAsync(Wire.Frame((byte)FrameType.Welcome, "{\"Prefetch\":1}"u8));

        await Assert.ThrowsAsync<MpmsProtocolException>(() => greeting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task GreetAsync_ApplicationClosesInsteadOfWelcoming_Throws()
    {
        await using var links = LinkPair.Create();
        Task<WorkerSettings> greeting = Handshake.GreetAsync(links.Worker, Secret, Wire.HangGuard);
        await Handshake.ReadHelloAsync(links.Application, CancellationToken.None).WaitAsync(Wire.HangGuard);

        await links.Application.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);

        await Assert.ThrowsAsync<MpmsProtocolException>(() => greeting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task GreetAsync_NoAnswerWithinTheTimeout_ThrowsOperationCanceled()
    {
        await using var links = LinkPair.Create();

        // A zero timeout has run out before the read starts: no clock is involved.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Handshake.GreetAsync(links.Worker, Secret, TimeSpan.Zero).WaitAsync(Wire.HangGuard));
    }

    /// <summary>A secret that makes the hello's JSON body exactly <paramref name="bodySize"/> bytes long.</summary>
    private static string SecretForHelloOfSize(int bodySize)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ControlMessages.Hello(new HelloMessage("", 1, ControlMessages.ProtocolVersion)).WriteTo(buffer);
        int emptyBody = buffer.WrittenCount - FrameHeader.Size;
        return new string('s', bodySize - emptyBody);
    }
}
