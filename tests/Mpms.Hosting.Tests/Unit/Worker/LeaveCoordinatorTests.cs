using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;
using Mpms.Hosting.Worker;
using Microsoft.Extensions.Time.Testing;

namespace Mpms.Hosting.Tests.Unit.Worker;

public sealed class LeaveCoordinatorTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private readonly OutboxTap _tap = new();
    private readonly WorkerSession _session;

    public LeaveCoordinatorTests() => _session = WorkerTestKit.Session(_tap, _time);

    private LeaveCoordinator Leave => _session.Leave;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        await _tap.DisposeAsync();
    }

    [Fact]
    public async Task BeginLeaving_WhileRunning_PostsLeavingWithItsReasonAndSignalsTheLeavingToken()
    {
        Assert.Equal(LeaveState.Running, Leave.State);

        Assert.True(Leave.BeginLeaving(MpmsProcessExitReason.MemoryLimit));

        (FrameType type, byte[] body) = Assert.Single(await _tap.FramesUntilNowAsync());
        Assert.Equal(FrameType.Leaving, type);
        Assert.Equal((byte)MpmsProcessExitReason.MemoryLimit, Assert.Single(body));
        Assert.Equal(LeaveState.Leaving, Leave.State);
        Assert.Equal(MpmsProcessExitReason.MemoryLimit, Leave.Reason);
        Assert.True(Leave.Leaving.IsCancellationRequested);
    }

    [Fact]
    public async Task BeginLeaving_AlreadyLeaving_TheFirstReasonWinsAndNothingMoreIsSent()
    {
        Leave.BeginLeaving(MpmsProcessExitReason.Shutdown);

        Assert.False(Leave.BeginLeaving(MpmsProcessExitReason.GracefulDie));
        Assert.False(Leave.BeginLeaving(MpmsProcessExitReason.JobTimeout));

        Assert.Equal([FrameType.Leaving], await _tap.TypesUntilNowAsync());
        Assert.Equal(MpmsProcessExitReason.Shutdown, Leave.Reason);

        // The graceful die lost: its deadline never starts.
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(Leave.GracefulDieDeadline.IsCompleted);
    }

    [Fact]
    public async Task BeginLeaving_WithJobsQueued_HandsThemBackAndStopsTheCredit()
    {
        WorkerTestKit.ThreadsLive(_session, 1);
        Assert.True(_session.Jobs.TryReceive(WorkerTestKit.Job(7)));
        await _tap.FramesUntilNowAsync();

        Leave.BeginLeaving(MpmsProcessExitReason.Recycled);

        List<(FrameType Type, byte[] Body)> frames = await _tap.FramesUntilNowAsync();
        Assert.Equal([FrameType.Leaving, FrameType.Returned], frames.Select(f => f.Type));
        Assert.Equal(7, WorkerTestKit.Int64(frames[1].Body));
        Assert.Equal(0, _session.Ledger.Held);
        Assert.Equal(0, _session.Ledger.Outstanding); // the hand-back freed a credit, and none was granted
    }

    [Fact]
    public async Task OnDrainReceived_WhileRunning_LeavesForTheApplicationsReasonAndKnowsTheDrainCame()
    {
        Assert.False(Leave.DrainReceived);

        Leave.OnDrainReceived(MpmsProcessExitReason.Shutdown);

        Assert.True(Leave.DrainReceived);
        Assert.Equal(MpmsProcessExitReason.Shutdown, Leave.Reason);
        Assert.True(await Leave.WaitForDrainAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void OnDrainReceived_AfterTheProcessLeftForItsOwnReason_KeepsItsReason()
    {
        Leave.BeginLeaving(MpmsProcessExitReason.GracefulDie);

        Leave.OnDrainReceived(MpmsProcessExitReason.Shutdown);

        Assert.True(Leave.DrainReceived);
        Assert.Equal(MpmsProcessExitReason.GracefulDie, Leave.Reason);
    }

    [Fact]
    public async Task WaitForDrainAsync_DrainArrivesWhileWaiting_ReturnsTrue()
    {
        Leave.BeginLeaving(MpmsProcessExitReason.Recycled);
        Task<bool> waiting = Leave.WaitForDrainAsync(TimeSpan.FromSeconds(5));
        Assert.False(waiting.IsCompleted);

        Leave.OnDrainReceived(MpmsProcessExitReason.Recycled);

        Assert.True(await waiting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task WaitForDrainAsync_NoDrain_ReturnsFalseAtTheTimeoutOnTheClock()
    {
        Leave.BeginLeaving(MpmsProcessExitReason.Recycled);
        Task<bool> waiting = Leave.WaitForDrainAsync(TimeSpan.FromSeconds(5));

        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromTicks(1));

        Assert.False(await waiting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task GracefulDieDeadline_GracefulDie_PassesAtGracefulDieTimeoutAndNotBefore()
    {
        Leave.BeginLeaving(MpmsProcessExitReason.GracefulDie);

        _time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(Leave.GracefulDieDeadline.IsCompleted);
        _time.Advance(TimeSpan.FromTicks(1));

        await Leave.GracefulDieDeadline.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public void GracefulDieDeadline_AnotherReason_NeverPasses()
    {
        Leave.BeginLeaving(MpmsProcessExitReason.Shutdown);

        _time.Advance(TimeSpan.FromHours(1));

        Assert.False(Leave.GracefulDieDeadline.IsCompleted);
    }

    [Fact]
    public async Task DisposeAsync_DeadlinePending_StopsItsTimerWithoutPassingIt()
    {
        Leave.BeginLeaving(MpmsProcessExitReason.GracefulDie);

        await Leave.DisposeAsync().AsTask().WaitAsync(Wire.HangGuard);
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(Leave.GracefulDieDeadline.IsCompleted);
    }

    [Fact]
    public void BeginExiting_AfterLeaving_IsExitingAndLeavesNoMore()
    {
        Leave.BeginLeaving(MpmsProcessExitReason.Shutdown);

        Leave.BeginExiting();

        Assert.Equal(LeaveState.Exiting, Leave.State);
        Assert.False(Leave.BeginLeaving(MpmsProcessExitReason.GracefulDie));
        Assert.Equal(MpmsProcessExitReason.Shutdown, Leave.Reason);
    }
}
