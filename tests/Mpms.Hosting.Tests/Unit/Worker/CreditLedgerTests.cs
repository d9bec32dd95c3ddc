using Mpms.Hosting.Worker;

namespace Mpms.Hosting.Tests.Unit.Worker;

public sealed class CreditLedgerTests
{
    [Fact]
    public void OnThreadLive_EachThreadWithoutPrefetch_GrantsOneJobPerThread()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(2);

        Assert.Equal(1, ledger.OnThreadLive());
        Assert.Equal(1, ledger.OnThreadLive());

        Assert.Equal(2, ledger.Live);
        Assert.Equal(0, ledger.Starting);
        Assert.Equal(2, ledger.Outstanding);
        Assert.True(ledger.EverLive);
    }

    [Fact]
    public void OnThreadLive_WithPrefetch_GrantsLiveThreadsPlusPrefetch()
    {
        var ledger = new CreditLedger(prefetch: 2);
        ledger.ThreadsStarting(2);

        Assert.Equal(3, ledger.OnThreadLive());
        Assert.Equal(1, ledger.OnThreadLive());
        Assert.Equal(4, ledger.Outstanding);
    }

    [Fact]
    public void OnJobEnded_AfterAJobArrivedAndRan_GrantsTheCreditItFreed()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(1);
        ledger.OnThreadLive();

        Assert.Equal(JobArrival.Keep, ledger.OnJobArrived());
        Assert.Equal(0, ledger.Outstanding);
        Assert.Equal(1, ledger.Held);

        Assert.Equal(1, ledger.OnJobEnded());
        Assert.Equal(0, ledger.Held);
        Assert.Equal(1, ledger.Outstanding);
    }

    [Fact]
    public void OnJobEnded_CreditStillOutstanding_GrantsOnlyWhatIsMissing()
    {
        var ledger = new CreditLedger(prefetch: 1);
        ledger.ThreadsStarting(1);
        Assert.Equal(2, ledger.OnThreadLive());
        Assert.Equal(JobArrival.Keep, ledger.OnJobArrived());

        // live 1 + prefetch 1 − held 0 − outstanding 1
        Assert.Equal(1, ledger.OnJobEnded());
        Assert.Equal(2, ledger.Outstanding);
    }

    [Fact]
    public void OnJobArrived_WithinLiveThreadsPlusPrefetch_KeepsEveryJob()
    {
        var ledger = new CreditLedger(prefetch: 1);
        ledger.ThreadsStarting(1);
        ledger.OnThreadLive();

        Assert.Equal(JobArrival.Keep, ledger.OnJobArrived());
        Assert.Equal(JobArrival.Keep, ledger.OnJobArrived());
        Assert.Equal(2, ledger.Held);
        Assert.Equal(0, ledger.Outstanding);
        Assert.True(ledger.CanKeepAnother());
    }

    [Fact]
    public void OnJobArrived_WithoutOutstandingCredit_IsWithoutCreditAndChangesNothing()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(1);

        Assert.Equal(JobArrival.WithoutCredit, ledger.OnJobArrived());
        Assert.Equal(0, ledger.Held);
        Assert.Equal(0, ledger.Outstanding);
    }

    [Fact]
    public void OnJobArrived_OnCreditOfAThreadThatLeftSince_IsHandedBackAsOverCapacity()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(2);
        ledger.OnThreadLive();
        ledger.OnThreadLive();
        Assert.False(ledger.OnThreadRetired()); // its lifetime ended while it was idle; credit for it is out

        Assert.Equal(JobArrival.Keep, ledger.OnJobArrived());
        Assert.Equal(JobArrival.HandBack, ledger.OnJobArrived());
    }

    [Fact]
    public void OnJobEnded_OverCapacity_GrantsNothingUntilBackUnderIt()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(2);
        ledger.OnThreadLive();
        ledger.OnThreadLive();
        ledger.OnJobArrived();
        ledger.OnJobArrived();
        ledger.OnThreadRetired(); // a thread reached its last job while both ran

        Assert.False(ledger.CanKeepAnother());
        Assert.Equal(0, ledger.OnJobEnded());
        Assert.Equal(1, ledger.OnJobEnded());
    }

    [Fact]
    public void CanKeepAnother_SiblingFreeWithRoom_IsTrue()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(2);
        ledger.OnThreadLive();
        ledger.OnThreadLive();
        ledger.OnJobArrived();

        Assert.True(ledger.CanKeepAnother());
    }

    [Fact]
    public void CanKeepAnother_ThreadRetiredHoldingTheOnlyJobWithoutPrefetch_IsFalse()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(2);
        ledger.OnThreadLive();
        ledger.OnThreadLive();
        ledger.OnJobArrived();
        ledger.OnJobArrived();

        // A thread took a job past its lifetime: it leaves first, and its sibling is busy.
        ledger.OnThreadRetired();

        Assert.False(ledger.CanKeepAnother());
    }

    [Fact]
    public void Close_Afterwards_NoCreditIsGrantedAndEveryArrivingJobIsHandedBack()
    {
        var ledger = new CreditLedger(prefetch: 1);
        ledger.ThreadsStarting(1);
        ledger.OnThreadLive();
        ledger.OnJobArrived();

        ledger.Close();

        Assert.Equal(JobArrival.HandBack, ledger.OnJobArrived());
        Assert.Equal(0, ledger.OnJobEnded());
        Assert.False(ledger.CanKeepAnother());
    }

    [Fact]
    public void OnThreadRetired_LastLiveThreadAndNoneStarting_IsLastThreadGone()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(2);
        ledger.OnThreadLive();
        ledger.OnThreadLive();

        Assert.False(ledger.OnThreadRetired());
        Assert.True(ledger.OnThreadRetired());
    }

    [Fact]
    public void OnThreadRetired_SiblingStillRunningItsInitializer_IsNotLastThreadGone()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(2);
        ledger.OnThreadLive();

        Assert.False(ledger.OnThreadRetired());
        Assert.True(ledger.OnThreadStartFailed());
    }

    [Fact]
    public void OnThreadStartFailed_NoThreadEverLive_IsNotLastThreadGone()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(2);

        Assert.False(ledger.OnThreadStartFailed());
        Assert.False(ledger.OnThreadStartFailed());
        Assert.False(ledger.EverLive);
    }

    [Fact]
    public void OnThreadRetired_ProcessLeavingAlready_IsNotLastThreadGone()
    {
        var ledger = new CreditLedger(prefetch: 0);
        ledger.ThreadsStarting(1);
        ledger.OnThreadLive();
        ledger.Close();

        Assert.False(ledger.OnThreadRetired());
    }
}
