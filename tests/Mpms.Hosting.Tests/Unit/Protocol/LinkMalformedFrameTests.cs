using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

/// <summary>
/// A link whose peer writes bytes that are not a valid frame: <see cref="Link.RunAsync"/> fails with a protocol error as
/// soon as the header shows it, without waiting for a body that may never come.
/// </summary>
public sealed class LinkMalformedFrameTests
{
    private const int Cap = 4096;

    public static TheoryData<string, byte[]> BadHeaders => new()
    {
        { "zero length", Wire.Header(0, (byte)FrameType.Ready) },
        { "one over the cap", Wire.Header(Cap + 2, (byte)FrameType.Job) },
        { "largest length", Wire.Header(uint.MaxValue, (byte)FrameType.Job) },
        { "type zero", Wire.Header(9, 0) },
        { "type after the last", Wire.Header(9, (byte)(Enum.GetValues<FrameType>().Max() + 1)) },
        { "type 255", Wire.Header(9, 255) },
    };

    /// <summary>A valid frame (Credit, a 4-byte body) cut short at every place: inside the header, at its end, inside the body.</summary>
    public static TheoryData<int> CutPoints => [1, 4, 5, 6, 8];

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public async Task RunAsync_BadHeaderWithTheStreamStillOpen_ThrowsWithoutWaitingForTheBody(string why, byte[] header)
    {
        await using var peer = RawPeer.Create();
        var received = new FrameRecorder();

        // A valid frame first, then only the bad header: the stream stays open, so only the header check can end the read.
        await peer.WriteAsync([.. Wire.Frame((byte)FrameType.Ready, []), .. header]);
        Task running = peer.Link.RunAsync(received, Cap, CancellationToken.None);

        await Assert.ThrowsAsync<MpmsProtocolException>(() => running.WaitAsync(Wire.HangGuard));
        Assert.True(FrameType.Ready == Assert.Single(received.Frames).Type, why);
    }

    [Fact]
    public async Task RunAsync_BadHeaderArrivingWhileRunning_Throws()
    {
        await using var peer = RawPeer.Create();
        var received = new FrameRecorder();
        Task running = peer.Link.RunAsync(received, Cap, CancellationToken.None);

        await peer.WriteAsync(Wire.Frame((byte)FrameType.Credit, [1, 0, 0, 0]));
        await received.WaitForAsync(1);
        await peer.WriteAsync(Wire.Header(Cap + 2, (byte)FrameType.Job));

        await Assert.ThrowsAsync<MpmsProtocolException>(() => running.WaitAsync(Wire.HangGuard));
    }

    [Theory]
    [MemberData(nameof(CutPoints))]
    public async Task RunAsync_StreamEndsInsideAFrame_Throws(int cut)
    {
        await using var peer = RawPeer.Create();
        var received = new FrameRecorder();

        await peer.WriteAsync([.. Wire.Frame((byte)FrameType.Ready, []), .. Wire.Frame((byte)FrameType.Credit, [1, 0, 0, 0])[..cut]]);
        await peer.EndAsync();

        var ex = await Assert.ThrowsAsync<MpmsProtocolException>(() => peer.Link.RunAsync(received, Cap, CancellationToken.None).WaitAsync(Wire.HangGuard));
        Assert.Contains("inside a frame", ex.Message, StringComparison.Ordinal);
        Assert.Equal(FrameType.Ready, Assert.Single(received.Frames).Type);
    }

    [Fact]
    public async Task RunAsync_StreamEndsBetweenFrames_ReturnsAfterTheLastFrame()
    {
        await using var peer = RawPeer.Create();
        var received = new FrameRecorder();

        await peer.WriteAsync([.. Wire.Frame((byte)FrameType.Ready, []), .. Wire.Frame((byte)FrameType.Credit, [1, 0, 0, 0])]);
        await peer.EndAsync();
        await peer.Link.RunAsync(received, Cap, CancellationToken.None).WaitAsync(Wire.HangGuard);

        Assert.Equal([FrameType.Ready, FrameType.Credit], received.Frames.Select(f => f.Type));
    }

    [Fact]
    public async Task RunAsync_BodyAtTheCap_IsDelivered()
    {
        await using var peer = RawPeer.Create();
        var received = new FrameRecorder();

        await peer.WriteAsync(Wire.Frame((byte)FrameType.Job, new byte[Cap]));
        await peer.EndAsync();
        await peer.Link.RunAsync(received, Cap, CancellationToken.None).WaitAsync(Wire.HangGuard);

        Assert.Equal(Cap, Assert.Single(received.Frames).Body.Length);
    }

    [Fact]
    public async Task RunAsync_TokenCanceledWhileWaiting_ThrowsOperationCanceled()
    {
        await using var peer = RawPeer.Create();
        using var cancel = new CancellationTokenSource();
        Task running = peer.Link.RunAsync(new FrameRecorder(), Cap, cancel.Token);

        Assert.False(running.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Wire.HangGuard));
    }
}
