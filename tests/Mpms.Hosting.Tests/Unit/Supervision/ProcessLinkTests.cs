using Mpms.Hosting.Protocol;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class ProcessLinkTests
{
    [Fact]
    public async Task RunAsync_WorkerGrantsCredit_SendsQueuedJobsUpToItAndTheRestWhenMoreComes()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync(o => o.Prefetch = 1);
        FakeLease[] leases = [test.Dispatcher.Put(1), test.Dispatcher.Put(2), test.Dispatcher.Put(3)];

        test.Send(SmallFrames.Ready());
        test.Send(SmallFrames.Credit(2));

        Assert.Equal(1, (await test.ReceiveJobAsync()).Sequence);
        Assert.Equal(2, (await test.ReceiveJobAsync()).Sequence);
        Assert.Equal((1, 2, 0), (test.Dispatcher.Waiting, test.Link.InFlight, test.Link.Credit));
        Assert.Equal(WorkerProcessState.Ready, test.Process.State);
        Assert.Equal(1, test.Events.Started);

        test.Send(SmallFrames.Credit(1));

        JobFrame third = await test.ReceiveJobAsync();
        Assert.Equal((3L, 0x1234L, 1), (third.Sequence, third.IdHigh, third.Attempt));
        Assert.Equal([1, 2, 3], System.Buffers.BuffersExtensions.ToArray(third.Payload));
        Assert.All(leases, l => Assert.Equal(0, l.Endings));
        Assert.Equal(1, test.Events.Started);
    }

    [Fact]
    public async Task RunAsync_CreditWaitingForJobs_SendsAJobAsSoonAsItIsPut()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        await test.SendAndSettleAsync(SmallFrames.Credit(2));

        test.Dispatcher.Put(10);
        test.Dispatcher.Put(11);

        Assert.Equal(10, (await test.ReceiveJobAsync()).Sequence);
        Assert.Equal(11, (await test.ReceiveJobAsync()).Sequence);
    }

    [Fact]
    public async Task Result_ForAJobItHolds_CompletesTheLeaseNamingTheProcessAndThread()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        FakeLease lease = test.Dispatcher.Put(5);
        test.Send(SmallFrames.Credit(1));
        await test.ReceiveJobAsync();

        test.Send(ResultFrame.Success(5, 2, 100, 200, new byte[] { 42 }));

        Assert.Equal(LeaseEnd.Completed, await lease.Ended.WaitAsync(Wire.HangGuard));
        Assert.Equal((4242, "mpms-UnitPool-p1#t2"), lease.CompletedBy);
        Assert.Equal(0, test.Link.InFlight);
    }

    [Fact]
    public async Task Result_ForAJobThatTimedOutHere_IsDroppedAndTheLeaseEndsOnce()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        FakeLease lease = test.Dispatcher.Put(5);
        test.Send(SmallFrames.Credit(1));
        await test.ReceiveJobAsync();

        Assert.True(test.Link.TimeOut(5, TimeSpan.FromSeconds(9)));
        await test.SendAndSettleAsync(ResultFrame.Success(5, 1, 100, 200, new byte[] { 42 }));

        Assert.Equal(LeaseEnd.TimedOut, await lease.Ended);
        Assert.Equal((1, TimeSpan.FromSeconds(9)), (lease.Endings, lease.RanFor));
        Assert.False(test.Link.TimeOut(5, TimeSpan.FromSeconds(10)));
        Assert.False(test.Running.IsCompleted);
    }

    [Fact]
    public async Task Returned_HandsTheLeaseBack()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        FakeLease lease = test.Dispatcher.Put(5);
        test.Send(SmallFrames.Credit(1));
        await test.ReceiveJobAsync();

        test.Send(SmallFrames.Returned(5));

        Assert.Equal(LeaseEnd.HandedBack, await lease.Ended.WaitAsync(Wire.HangGuard));
        Assert.Equal(0, test.Link.InFlight);
    }

    [Fact]
    public async Task StartMark_SeenWithTheNextFramesRead_MarksTheLeaseStarted_AndEndsNothing()
    {
        using var marks = new StartMarksFile();
        await using LinkUnderTest test = await LinkUnderTest.StartAsync(o => o.Prefetch = 1, marks.Application);
        FakeLease lease = test.Dispatcher.Put(5);
        test.Send(SmallFrames.Credit(1));
        await test.ReceiveJobAsync();
        await test.SendAndSettleAsync(new HeartbeatFrame([]));
        Assert.False(lease.Started);

        marks.Worker.Mark(1);
        await test.SendAndSettleAsync(new HeartbeatFrame([]));

        Assert.True(lease.Started);
        Assert.Equal((0, 1), (lease.Endings, test.Link.InFlight));
    }

    [Fact]
    public async Task CloseWorker_JobsMarkedStartedAndNot_OnlyTheUnmarkedOnesAreLostAsNeverStarted()
    {
        using var marks = new StartMarksFile();
        await using LinkUnderTest test = await LinkUnderTest.StartAsync(o => o.Prefetch = 2, marks.Application);
        FakeLease[] leases = [test.Dispatcher.Put(1), test.Dispatcher.Put(2), test.Dispatcher.Put(3)];
        test.Send(SmallFrames.Credit(3));
        for (int i = 0; i < leases.Length; i++)
        {
            await test.ReceiveJobAsync();
        }

        // The worker finished job 1 and started job 2 without a frame about either, then died.
        marks.Worker.Mark(1);
        marks.Worker.Mark(2);
        await test.CloseWorkerAsync();
        test.Link.FailInFlight(new ProcessExit(MpmsProcessExitReason.Signaled, 137, 9, false));

        Assert.All(await Task.WhenAll(leases.Select(l => l.Ended)).WaitAsync(Wire.HangGuard), end => Assert.Equal(LeaseEnd.Lost, end));
        Assert.Equal([true, true, false], leases.Select(l => l.Started));
    }

    [Fact]
    public async Task Progress_ForAJobItHolds_ReachesItsLease_AndEndsNothing()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        FakeLease lease = test.Dispatcher.Put(5);
        test.Send(SmallFrames.Credit(1));
        await test.ReceiveJobAsync();

        test.Send(new ProgressFrame(5, new byte[] { 1, 2 }));
        await test.SendAndSettleAsync(new ProgressFrame(5, new byte[] { 3 }));

        Assert.Equal([[1, 2], [3]], lease.Progress);
        Assert.Equal((0, 1), (lease.Endings, test.Link.InFlight));
    }

    [Fact]
    public async Task Progress_ForAJobThatHasItsOutcome_IsDropped()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        FakeLease lease = test.Dispatcher.Put(5);
        test.Send(SmallFrames.Credit(1));
        await test.ReceiveJobAsync();
        Assert.True(test.Link.TimeOut(5, TimeSpan.FromSeconds(9)));

        await test.SendAndSettleAsync(new ProgressFrame(5, new byte[] { 1 }));

        Assert.Empty(lease.Progress);
        Assert.False(test.Running.IsCompleted);
    }

    [Fact]
    public async Task Progress_Truncated_BreaksTheLink()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();

        test.Send(new RawFrame(Wire.Frame((byte)FrameType.Progress, new byte[7])));

        await test.Running.WaitAsync(Wire.HangGuard);
        Assert.True(test.Link.Broken);
    }

    [Fact]
    public async Task Leaving_AnswersWithADrain_AndSendsNothingMoreWhateverTheCredit()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        test.Send(SmallFrames.Ready());
        await test.Events.NextChangeAsync();

        test.Send(SmallFrames.Leaving(MpmsProcessExitReason.GracefulDie));
        (FrameType type, byte[] body) = await test.ReceiveAsync();
        await test.Events.NextChangeAsync();
        FakeLease lease = test.Dispatcher.Put(5);
        await test.SendAndSettleAsync(SmallFrames.Credit(2));

        Assert.Equal((FrameType.Drain, (byte)MpmsProcessExitReason.GracefulDie), (type, Assert.Single(body)));
        Assert.Equal(WorkerProcessState.Draining, test.Process.State);
        Assert.Equal((1, 0, 0, 0), (test.Dispatcher.Waiting, test.Link.InFlight, test.Link.Credit, lease.Endings));
    }

    [Fact]
    public async Task Drain_SendsTheDrainOnce_AndVoidsTheCredit()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync(o => o.Prefetch = 2);
        await test.SendAndSettleAsync(SmallFrames.Credit(3));
        Assert.Equal(3, test.Link.Credit);

        test.Link.Drain(MpmsProcessExitReason.Recycled);
        test.Link.Drain(MpmsProcessExitReason.Shutdown);
        test.Dispatcher.Put(5);
        await test.SendAndSettleAsync(SmallFrames.Credit(1));

        (FrameType type, byte[] body) = await test.ReceiveAsync();
        Assert.Equal((FrameType.Drain, (byte)MpmsProcessExitReason.Recycled), (type, Assert.Single(body)));
        Assert.Equal((0, 1), (test.Link.Credit, test.Dispatcher.Waiting));
    }

    [Fact]
    public async Task RunAsync_JobCanceledBeforeItWasSent_IsSentWithItsCancel()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        test.Dispatcher.Put(5).CancelRequested = true;

        test.Send(SmallFrames.Credit(1));

        Assert.Equal(5, (await test.ReceiveJobAsync()).Sequence);
        (FrameType type, byte[] body) = await test.ReceiveAsync();
        Assert.Equal((FrameType.Cancel, 5L), (type, BitConverter.ToInt64(body)));
    }

    [Fact]
    public async Task Heartbeat_ItsJobsAreTheEvidence_OldestFirstAndOnlyThoseItHolds()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        test.Dispatcher.Put(1);
        test.Dispatcher.Put(2);
        test.Send(SmallFrames.Credit(2));
        await test.ReceiveJobAsync();
        await test.ReceiveJobAsync();
        DateTimeOffset now = test.Clock.GetUtcNow();

        await test.SendAndSettleAsync(new HeartbeatFrame([
            new RunningJob(2, 2, (now - TimeSpan.FromSeconds(2)).UtcTicks),
            new RunningJob(1, 1, (now - TimeSpan.FromSeconds(5)).UtcTicks),
            new RunningJob(99, 1, (now - TimeSpan.FromSeconds(50)).UtcTicks),
            new RunningJob(1, 1, -1),
        ]));

        Assert.Equal(new RunningJobStart(1, "job-1", now - TimeSpan.FromSeconds(5)), test.Link.Heartbeat.OldestRunningJob());
        test.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(
            [("job-2", "mpms-UnitPool-p1#t2", TimeSpan.FromSeconds(3)), ("job-1", "mpms-UnitPool-p1#t1", TimeSpan.FromSeconds(6))],
            test.Link.Heartbeat.RunningJobs());
    }

    [Fact]
    public async Task DescribeThreads_Heartbeat_NamesEachThreadWithTheJobItRunsAndTheOthersIdle()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        test.Dispatcher.Put(1);
        test.Send(SmallFrames.Credit(1));
        await test.ReceiveJobAsync();
        DateTimeOffset started = test.Clock.GetUtcNow() - TimeSpan.FromSeconds(4);
        Assert.All(test.Link.Heartbeat.DescribeThreads(), t => Assert.Null(t.JobId));

        // A job it does not hold (99) is no evidence; a thread number out of range names no thread.
        await test.SendAndSettleAsync(new HeartbeatFrame([new RunningJob(1, 2, started.UtcTicks), new RunningJob(99, 1, started.UtcTicks), new RunningJob(1, 7, started.UtcTicks)]));

        Assert.Equal(
            [(1, "mpms-UnitPool-p1#t1", null, null), (2, "mpms-UnitPool-p1#t2", "job-1", (DateTimeOffset?)started)],
            test.Link.Heartbeat.DescribeThreads().Select(t => (t.Number, t.Name, t.JobId, t.RunningSince)));
    }

    [Fact]
    public async Task JobsDone_CountsTheResultsOfJobsItHeld_NotLateOnes()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        test.Dispatcher.Put(5);
        test.Dispatcher.Put(6);
        test.Send(SmallFrames.Credit(2));
        await test.ReceiveJobAsync();
        await test.ReceiveJobAsync();

        Assert.True(test.Link.TimeOut(6, TimeSpan.FromSeconds(9)));
        await test.SendAndSettleAsync(ResultFrame.Success(5, 1, 100, 200, new byte[] { 42 }));
        await test.SendAndSettleAsync(ResultFrame.Success(6, 2, 100, 200, new byte[] { 42 }));

        Assert.Equal(1, test.Link.JobsDone);
    }

    [Fact]
    public async Task OnFrame_AnyFrame_IsWhenTheProcessWasLastSeen()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        long started = test.Link.LastSeenAt;

        test.Clock.Advance(TimeSpan.FromSeconds(3));
        await test.SendAndSettleAsync(new HeartbeatFrame([]));

        Assert.Equal(TimeSpan.FromSeconds(3), test.Clock.GetElapsedTime(started, test.Link.LastSeenAt));
    }

    [Fact]
    public async Task FailInFlight_WorkerClosedTheLinkHoldingJobs_EveryLeaseIsLostWithTheExit()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        FakeLease first = test.Dispatcher.Put(1);
        FakeLease second = test.Dispatcher.Put(2);
        test.Send(SmallFrames.Credit(2));
        await test.ReceiveJobAsync();
        await test.ReceiveJobAsync();

        await test.CloseWorkerAsync();
        test.Link.FailInFlight(new ProcessExit(MpmsProcessExitReason.Signaled, 137, 9, false));

        Assert.False(test.Link.Broken);
        foreach (FakeLease lease in new[] { first, second })
        {
            Assert.Equal(LeaseEnd.Lost, await lease.Ended);
            Assert.Equal(new Mpms.Hosting.Dispatch.WorkerLoss("mpms-UnitPool-p1", 4242, MpmsProcessExitReason.Signaled, 137, 9), lease.Loss);
            Assert.Equal(1, lease.Endings);
        }
    }

    [Fact]
    public async Task FailInFlight_JobsALastHeartbeatListed_AreLostWithTheirThreadAndStart()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        FakeLease listed = test.Dispatcher.Put(1);
        FakeLease unlisted = test.Dispatcher.Put(2);
        test.Send(SmallFrames.Credit(2));
        await test.ReceiveJobAsync();
        await test.ReceiveJobAsync();
        DateTimeOffset started = test.Clock.GetUtcNow() - TimeSpan.FromSeconds(4);
        await test.SendAndSettleAsync(new HeartbeatFrame([new RunningJob(1, 2, started.UtcTicks), new RunningJob(1, 2, started.UtcTicks)]));

        await test.CloseWorkerAsync();
        test.Link.FailInFlight(new ProcessExit(MpmsProcessExitReason.Signaled, 137, 9, false));

        Assert.Equal(LeaseEnd.Lost, await listed.Ended);
        Assert.Equal(new Mpms.Hosting.Dispatch.LastSeenRunning("mpms-UnitPool-p1#t2", started), listed.LastSeen);
        Assert.Equal(LeaseEnd.Lost, await unlisted.Ended);
        Assert.Null(unlisted.LastSeen);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(3)]
    [InlineData(1_000_000)]
    public async Task Credit_OutsideOneToWhatTheProcessCanHold_BreaksTheLink(int credit)
    {
        // Two threads and no prefetch: the process may hold two jobs, so it may ask for two at most.
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();

        test.Send(SmallFrames.Credit(credit));

        await test.Running.WaitAsync(Wire.HangGuard);
        Assert.True(test.Link.Broken);
    }

    [Fact]
    public async Task Credit_AtWhatTheProcessCanHold_IsAccepted()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync(o => o.Prefetch = 3);

        await test.SendAndSettleAsync(SmallFrames.Credit(5));

        Assert.Equal((5, 5), (test.Link.Capacity, test.Link.Credit));
        Assert.False(test.Running.IsCompleted);
    }

    [Fact]
    public async Task Credit_MoreThanTheJobsItHoldsLeaveRoomFor_BreaksTheLinkAndItsJobsAreLost()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        FakeLease held = test.Dispatcher.Put(1);
        test.Send(SmallFrames.Credit(2));
        await test.ReceiveJobAsync();

        test.Send(SmallFrames.Credit(2));

        await test.Running.WaitAsync(Wire.HangGuard);
        Assert.True(test.Link.Broken);
        test.Link.FailInFlight(new ProcessExit(MpmsProcessExitReason.LinkLost, 0, null, false));
        Assert.Equal(LeaseEnd.Lost, await held.Ended);
    }

    [Fact]
    public async Task Heartbeat_ListingAJobItRuns_AccountsForIt_AndAJobItNeverListsStaysUnaccountedFromWhenItWasSent()
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        test.Dispatcher.Put(1);
        test.Dispatcher.Put(2);
        test.Send(SmallFrames.Credit(2));
        await test.ReceiveJobAsync();
        await test.ReceiveJobAsync();
        long sent = test.Clock.GetTimestamp();

        test.Clock.Advance(TimeSpan.FromSeconds(5));
        await test.SendAndSettleAsync(new HeartbeatFrame([new RunningJob(1, 1, test.Clock.GetUtcNow().UtcTicks)]));

        Assert.Equal(sent, test.Link.Heartbeat.OldestUnaccountedAt);
        Assert.Equal(TimeSpan.FromSeconds(5), test.Link.Heartbeat.UnaccountedFor);
        test.Clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromSeconds(5), test.Link.Heartbeat.UnaccountedFor); // silence does not count: it has its own rule
        await test.SendAndSettleAsync(new HeartbeatFrame([new RunningJob(1, 1, 0), new RunningJob(2, 2, 0)]));
        Assert.Equal(test.Clock.GetTimestamp(), test.Link.Heartbeat.OldestUnaccountedAt);
        Assert.Null(test.Link.Heartbeat.UnaccountedFor);
    }

    [Fact]
    public async Task Heartbeat_WithPrefetch_AJobHeldAheadIsOnlyAccountableOnceItStarted()
    {
        using var marks = new StartMarksFile();
        await using LinkUnderTest test = await LinkUnderTest.StartAsync(o => o.Prefetch = 1, marks.Application);
        test.Dispatcher.Put(1);
        test.Send(SmallFrames.Credit(1));
        await test.ReceiveJobAsync();
        Assert.Null(test.Link.Heartbeat.OldestUnaccountedAt);

        await test.SendAndSettleAsync(new HeartbeatFrame([]));
        Assert.Null(test.Link.Heartbeat.OldestUnaccountedAt);

        marks.Worker.Mark(1);
        await test.SendAndSettleAsync(new HeartbeatFrame([]));

        Assert.Equal(test.Clock.GetTimestamp(), test.Link.Heartbeat.OldestUnaccountedAt);
    }

    [Theory]
    [InlineData((byte)FrameType.Drain)]
    [InlineData((byte)FrameType.Job)]
    [InlineData((byte)FrameType.Hello)]
    [InlineData(99)]
    public async Task OnFrame_AFrameAWorkerMayNotSend_BreaksTheLinkAndItsJobsAreLost(byte type)
    {
        await using LinkUnderTest test = await LinkUnderTest.StartAsync();
        FakeLease lease = test.Dispatcher.Put(1);
        test.Send(SmallFrames.Credit(1));
        await test.ReceiveJobAsync();

        test.Send(new RawFrame(Wire.Frame(type, new byte[8])));
        await test.Running.WaitAsync(Wire.HangGuard);
        test.Link.FailInFlight(new ProcessExit(MpmsProcessExitReason.LinkLost, null, null, false));

        Assert.True(test.Link.Broken);
        Assert.Equal(LeaseEnd.Lost, await lease.Ended);
    }
}
