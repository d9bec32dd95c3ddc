using System.Buffers;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

public sealed class ControlMessagesTests
{
    [Fact]
    public async Task ReadJson_WhatPostJsonWrote_GivesAnEqualHello()
    {
        var hello = new HelloMessage("s3cr\u00e9t-\u79d8\u5bc6", 4242, ControlMessages.ProtocolVersion);

        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(ControlMessages.Hello(hello)), FrameType.Hello);

        Assert.Equal(hello, ControlMessages.ReadJson<HelloMessage>(body));
        Assert.Equal(hello, ControlMessages.ReadJson<HelloMessage>(Sequences.Bytewise(body.ToArray())));
    }

    [Fact]
    public async Task ReadJson_WhatPostJsonWrote_GivesEqualWorkerSettings()
    {
        var settings = new WorkerSettings
        {
            PoolName = "Thumbs",
            ProcessNumber = 3,
            ThreadsPerProcess = 4,
            Prefetch = 1,
            MaxJobsPerThread = 100,
            ThreadLifetime = TimeSpan.FromMinutes(5),
            JobTimeout = null,
            JobTimeoutGrace = TimeSpan.FromSeconds(2),
            GracefulDieExceptions = ["System.TimeoutException"],
            GracefulDieTimeout = TimeSpan.FromSeconds(5),
            HeartbeatInterval = TimeSpan.FromMilliseconds(250),
            MaxMessageSize = 4096,
            ProgressInterval = TimeSpan.FromMilliseconds(40),
        };

        ReadOnlySequence<byte> body = await Wire.EncodeOneAsync(o => o.Post(ControlMessages.Welcome(settings)), FrameType.Welcome);
        WorkerSettings read = ControlMessages.ReadJson<WorkerSettings>(body);

        Assert.Equal(settings with { GracefulDieExceptions = read.GracefulDieExceptions }, read);
        Assert.Equal(settings.GracefulDieExceptions, read.GracefulDieExceptions);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[1,2]")]
    [InlineData("{\"Secret\":5}")]
    [InlineData("\u00ff\u00fe")]
    public void ReadJson_InvalidJson_ThrowsProtocolException(string text)
    {
        var body = new ReadOnlySequence<byte>(System.Text.Encoding.Latin1.GetBytes(text));

        Assert.Throws<MpmsProtocolException>(() => ControlMessages.ReadJson<HelloMessage>(body));
    }

    [Fact]
    public void ReadJson_JsonNull_ThrowsProtocolException()
    {
        var ex = Assert.Throws<MpmsProtocolException>(() => ControlMessages.ReadJson<WorkerSettings>(new ReadOnlySequence<byte>("null"u8.ToArray())));

        Assert.Contains(nameof(WorkerSettings), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadJson_WelcomeWithoutRequiredMembers_ThrowsProtocolException() =>
        Assert.Throws<MpmsProtocolException>(() => ControlMessages.ReadJson<WorkerSettings>(new ReadOnlySequence<byte>("{\"Prefetch\":1}"u8.ToArray())));
}
