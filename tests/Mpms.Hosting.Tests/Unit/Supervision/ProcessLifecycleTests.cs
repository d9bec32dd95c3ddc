using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class ProcessLifecycleTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void New_IsStartingAndActive_NamedAfterItsPoolAndNumber()
    {
        ProcessLifecycle process = Create();

        Assert.Equal((WorkerProcessState.Starting, true, false), (process.State, process.IsActive, process.HasReadyThread));
        Assert.Equal(("mpms-UnitPool-p3", 3, 4242), (process.Name, process.Number, process.ProcessId));
        Assert.Null(process.DrainingSince);
    }

    [Fact]
    public void OnReady_Starting_IsReady_ButNeverLeavesADrainForReady()
    {
        ProcessLifecycle ready = Create();
        ProcessLifecycle draining = Create();
        draining.RequestExit(MpmsProcessExitReason.Shutdown);

        ready.OnReady();
        draining.OnReady();

        Assert.Equal(WorkerProcessState.Ready, ready.State);
        Assert.Equal(WorkerProcessState.Draining, draining.State);
    }

    [Fact]
    public void OnThreadReady_FirstTimeOnly_SaysSo()
    {
        ProcessLifecycle process = Create();

        Assert.True(process.OnThreadReady());
        Assert.False(process.OnThreadReady());
        Assert.True(process.HasReadyThread);
    }

    [Fact]
    public void RequestExit_RecordsWhenTheDrainBegan_Once()
    {
        ProcessLifecycle process = Create();
        _clock.Advance(TimeSpan.FromSeconds(7));
        long since = _clock.GetTimestamp();

        process.RequestExit(MpmsProcessExitReason.Recycled);
        _clock.Advance(TimeSpan.FromSeconds(3));
        process.RequestExit(MpmsProcessExitReason.Shutdown);

        Assert.Equal((WorkerProcessState.Draining, false), (process.State, process.IsActive));
        Assert.Equal(since, process.DrainingSince);
    }

    [Fact]
    public void OnLeaving_StartFailed_StaysStartingSoThatItsExitCountsAsAFailedStart()
    {
        ProcessLifecycle process = Create();

        process.OnLeaving(MpmsProcessExitReason.StartFailed);

        Assert.Equal(WorkerProcessState.Starting, process.State);
        ProcessExit exit = process.OnExited(exitCode: 1, linkBroken: false);
        Assert.Equal((MpmsProcessExitReason.StartFailed, true), (exit.Reason, exit.WasStartFailure));
    }

    [Fact]
    public void OnExited_ReasonGiven_ThePoolsRequestWinsOverWhatTheProcessSaid()
    {
        ProcessLifecycle process = Create();
        process.OnThreadReady();
        process.OnLeaving(MpmsProcessExitReason.GracefulDie);
        process.RequestExit(MpmsProcessExitReason.Shutdown);

        Assert.Equal(MpmsProcessExitReason.Shutdown, process.OnExited(0, linkBroken: false).Reason);
    }

    [Fact]
    public void OnExited_AfterAKill_TheKillsReasonReplacesTheRequest()
    {
        ProcessLifecycle process = Create();
        process.RequestExit(MpmsProcessExitReason.Recycled);
        process.OnKilled(MpmsProcessExitReason.Killed);

        Assert.Equal(MpmsProcessExitReason.Killed, process.OnExited(137, linkBroken: false).Reason);
    }

    [Fact]
    public void OnExited_ProcessSaidWhy_ItsWordWinsOverTheSignalAndTheLink()
    {
        ProcessLifecycle process = Create();
        process.OnLeaving(MpmsProcessExitReason.GracefulDie);

        Assert.Equal(MpmsProcessExitReason.GracefulDie, process.OnExited(137, linkBroken: true).Reason);
    }

    [Theory]
    [InlineData(137, false, MpmsProcessExitReason.Signaled, 9)]
    [InlineData(139, true, MpmsProcessExitReason.Signaled, 11)]
    [InlineData(3, true, MpmsProcessExitReason.LinkLost, null)]
    [InlineData(0, false, MpmsProcessExitReason.Exited, null)]
    [InlineData(null, false, MpmsProcessExitReason.Exited, null)]
    public void OnExited_NobodySaidWhy_TheSignalThenTheLinkThenTheExitTell(int? exitCode, bool linkBroken, MpmsProcessExitReason expected, int? signal)
    {
        ProcessLifecycle process = Create();

        ProcessExit exit = process.OnExited(exitCode, linkBroken);

        Assert.Equal((expected, exitCode, signal), (exit.Reason, exit.ExitCode, exit.Signal));
        Assert.Equal(WorkerProcessState.Exited, process.State);
    }

    [Theory]
    [InlineData(MpmsProcessExitReason.Shutdown, false)]
    [InlineData(MpmsProcessExitReason.Recycled, false)]
    [InlineData(MpmsProcessExitReason.Killed, true)]
    [InlineData(MpmsProcessExitReason.StartFailed, true)]
    public void OnExited_NoThreadEverReady_IsAFailedStartUnlessThePoolEndedIt(MpmsProcessExitReason reason, bool startFailure)
    {
        ProcessLifecycle process = Create();
        process.OnKilled(reason);

        Assert.Equal(startFailure, process.OnExited(137, linkBroken: false).WasStartFailure);
    }

    [Fact]
    public void OnExited_AThreadWasReady_IsNoFailedStart()
    {
        ProcessLifecycle process = Create();
        process.OnThreadReady();

        Assert.False(process.OnExited(137, linkBroken: false).WasStartFailure);
    }

    private ProcessLifecycle Create() => new("UnitPool", 3, 4242, _clock.GetTimestamp(), _clock);
}
