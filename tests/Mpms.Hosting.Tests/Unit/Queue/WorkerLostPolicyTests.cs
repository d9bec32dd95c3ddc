using Mpms.Hosting.Queue;

namespace Mpms.Hosting.Tests.Unit.Queue;

public sealed class WorkerLostPolicyTests
{
    [Theory]
    [InlineData(MpmsWorkerLostPolicy.Fail)]
    [InlineData(MpmsWorkerLostPolicy.Retry)]
    public void Decide_PrefetchAndNeverStarted_HandsTheJobBackWhateverThePolicy(MpmsWorkerLostPolicy onLost)
    {
        var policy = new WorkerLostPolicy(new MpmsOptions { Prefetch = 2, OnWorkerLost = onLost, MaxAttempts = 1 });

        Assert.Equal(LostJobFate.HandBack, policy.Decide(startedKnown: false, attempt: 1, cancelRequested: false));
    }

    [Fact]
    public void Decide_NoPrefetch_CountsTheJobAsStartedBecauseNoStartIsReported()
    {
        var policy = new WorkerLostPolicy(new MpmsOptions { Prefetch = 0 });

        Assert.Equal(LostJobFate.Lost, policy.Decide(startedKnown: false, attempt: 1, cancelRequested: false));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    public void Decide_RetryUpToMaxAttempts_ThenLost(int attempt, bool retried)
    {
        LostJobFate expected = retried ? LostJobFate.Retry : LostJobFate.Lost;
        var policy = new WorkerLostPolicy(new MpmsOptions { OnWorkerLost = MpmsWorkerLostPolicy.Retry, MaxAttempts = 3 });

        Assert.Equal(expected, policy.Decide(startedKnown: true, attempt, cancelRequested: false));
    }

    [Fact]
    public void Decide_RetryButTheCallerCanceled_IsLostNotRunAgain()
    {
        var policy = new WorkerLostPolicy(new MpmsOptions { OnWorkerLost = MpmsWorkerLostPolicy.Retry, MaxAttempts = 3 });

        Assert.Equal(LostJobFate.Lost, policy.Decide(startedKnown: true, attempt: 1, cancelRequested: true));
    }

    [Fact]
    public void Decide_Fail_IsLostAtTheFirstAttempt()
    {
        var policy = new WorkerLostPolicy(new MpmsOptions { OnWorkerLost = MpmsWorkerLostPolicy.Fail, MaxAttempts = 5 });

        Assert.Equal(LostJobFate.Lost, policy.Decide(startedKnown: true, attempt: 1, cancelRequested: false));
    }
}
