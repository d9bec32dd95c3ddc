using Mpms.Hosting.Queue;

namespace Mpms.Hosting.Tests.Unit.Queue;

public sealed class RetryPolicyTests
{
    private static readonly MpmsWorkerException Timeout = new("System.TimeoutException", "slow", null, null);

    [Fact]
    public void Decide_DefaultOptions_NeverRetries()
    {
        var policy = new RetryPolicy(new MpmsRetryOptions());

        Assert.Equal(RetryVerdict.NotRetried, policy.Decide(policy.PoolOptions, 1, Timeout, out _));
    }

    [Fact]
    public void Decide_AttemptsLeft_RetriesAfterTheBackoffDelay()
    {
        var policy = new RetryPolicy(new MpmsRetryOptions { MaxAttempts = 3, Delay = TimeSpan.FromSeconds(1) }, () => 0.5);

        Assert.Equal(RetryVerdict.Retry, policy.Decide(policy.PoolOptions, 1, Timeout, out TimeSpan first));
        Assert.Equal(RetryVerdict.Retry, policy.Decide(policy.PoolOptions, 2, Timeout, out TimeSpan second));
        Assert.Equal(RetryVerdict.Exhausted, policy.Decide(policy.PoolOptions, 3, Timeout, out _));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), (first, second));
    }

    [Theory]
    [InlineData("System.TimeoutException", true)]
    [InlineData("TimeoutException", true)]
    [InlineData(" TimeoutException ", true)]
    [InlineData("System.IO.IOException", false)]
    [InlineData("Exception", false)]
    [InlineData("timeoutexception", false)]
    public void Decide_ExceptionTypes_MatchTheThrownTypeByFullOrShortName(string listed, bool retried)
    {
        var options = new MpmsRetryOptions { MaxAttempts = 2 };
        options.ExceptionTypes.Add(listed);
        var policy = new RetryPolicy(options);

        Assert.Equal(retried ? RetryVerdict.Retry : RetryVerdict.NotRetried, policy.Decide(options, 1, Timeout, out _));
    }

    [Fact]
    public void Matches_NestedType_ByItsShortName()
    {
        Assert.True(RetryPolicy.Matches(["Inner"], "My.App.Outer+Inner"));
        Assert.False(RetryPolicy.Matches(["Outer"], "My.App.Outer+Inner"));
    }

    [Fact]
    public void Decide_ShouldRetryDeclines_IsNotRetried_AndIsAskedOnlyWithAttemptsLeft()
    {
        var asked = new List<string>();
        var options = new MpmsRetryOptions
        {
            MaxAttempts = 2,
            ShouldRetry = failure =>
            {
                asked.Add(failure.Message);
                return failure.Message != "slow";
            },
        };
        var policy = new RetryPolicy(options);

        Assert.Equal(RetryVerdict.NotRetried, policy.Decide(options, 1, Timeout, out _));
        Assert.Equal(RetryVerdict.Retry, policy.Decide(options, 1, new MpmsWorkerException("System.TimeoutException", "other", null, null), out _));
        Assert.Equal(RetryVerdict.Exhausted, policy.Decide(options, 2, Timeout, out _));
        Assert.Equal(["slow", "other"], asked);
    }
}
