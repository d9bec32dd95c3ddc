using System.Text;
using Mpms.Hosting.RabbitMQ.Internal;

namespace Mpms.Hosting.RabbitMQ.Tests.Internal;

/// <summary>A job's own retry policy survives its trip through a message header, and a header that is not one is refused.</summary>
public sealed class RetryHeaderTests
{
    [Fact]
    public void Read_WhatWriteWrote_GivesThePolicyBack()
    {
        var policy = new MpmsRetryOptions
        {
            MaxAttempts = 5,
            Delay = TimeSpan.FromMilliseconds(1500),
            BackoffType = MpmsBackoffType.Linear,
            UseJitter = true,
            MaxDelay = TimeSpan.FromMinutes(3),
        };
        policy.ExceptionTypes.Add("System.TimeoutException");
        policy.ExceptionTypes.Add("HttpRequestException");

        MpmsRetryOptions read = RetryHeader.Read(RetryHeader.Write(policy))!;

        Assert.Equal((5, TimeSpan.FromMilliseconds(1500), MpmsBackoffType.Linear, true, TimeSpan.FromMinutes(3)), (read.MaxAttempts, read.Delay, read.BackoffType, read.UseJitter, read.MaxDelay));
        Assert.Equal(["System.TimeoutException", "HttpRequestException"], read.ExceptionTypes);
        Assert.Null(read.ShouldRetry);
    }

    [Fact]
    public void Read_PolicyWithoutMaxDelay_KeepsItAbsent()
    {
        MpmsRetryOptions read = RetryHeader.Read(RetryHeader.Write(new MpmsRetryOptions { MaxAttempts = 2 }))!;

        Assert.Equal((2, TimeSpan.FromSeconds(2), MpmsBackoffType.Exponential, false), (read.MaxAttempts, read.Delay, read.BackoffType, read.UseJitter));
        Assert.Null(read.MaxDelay);
        Assert.Empty(read.ExceptionTypes);
    }

    [Fact]
    public void Read_NoHeader_IsNoPolicy() => Assert.Null(RetryHeader.Read(null));

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"max\":3}")]
    [InlineData("{\"max\":0,\"delayTicks\":0,\"backoff\":0,\"jitter\":false,\"types\":[]}")]
    public void Read_HeaderThatIsNotAValidPolicy_ThrowsFormatException(string header)
    {
        var error = Assert.Throws<FormatException>(() => RetryHeader.Read(Encoding.UTF8.GetBytes(header)));

        Assert.StartsWith("The job's retry policy cannot be read", error.Message, StringComparison.Ordinal);
    }
}
