using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class ProcessChecksTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan OverdueAfter = JobTimeout + Grace + HeartbeatTimeout;
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private readonly FakeTimeProvider _clock = new();
    private readonly long _startedAt;

    public ProcessChecksTests() => _startedAt = _clock.GetTimestamp();

    [Fact]
    public void OverdueAfter_JobTimeout_AddsTheGraceAndTheHeartbeatTimeout()
    {
        Assert.Equal(OverdueAfter, Checks().OverdueAfter);
        Assert.Null(Checks(o => o.JobTimeout = null).OverdueAfter);
    }

    [Fact]
    public void Decide_StartingProcess_IsKilledJustPastStartTimeout()
    {
        ProcessChecks checks = Checks();

        _clock.Advance(StartTimeout);
        Assert.Equal(ProcessAction.None, checks.Decide(Process(WorkerProcessState.Starting, linked: false), poolStopping: false));
        _clock.Advance(Tick);
        Assert.Equal(new ProcessAction(ProcessActionKind.KillStartTimedOut, StartTimeout + Tick), checks.Decide(Process(WorkerProcessState.Starting, linked: false), poolStopping: false));
    }

    [Fact]
    public void Decide_StartingLinkedProcessSilentPastTheHeartbeatTimeout_IsNotHung()
    {
        long connectedAt = _clock.GetTimestamp();
        _clock.Advance(StartTimeout);

        Assert.Equal(ProcessAction.None, Checks().Decide(Process(WorkerProcessState.Starting, lastSeenAt: connectedAt), poolStopping: false));
    }

    [Fact]
    public void Decide_ReadyProcess_IsRecycledJustPastProcessLifetime()
    {
        ProcessChecks checks = Checks();

        _clock.Advance(Lifetime);
        Assert.Equal(ProcessAction.None, checks.Decide(Process(WorkerProcessState.Ready), poolStopping: false));
        _clock.Advance(Tick);
        Assert.Equal(new ProcessAction(ProcessActionKind.Recycle, Lifetime + Tick), checks.Decide(Process(WorkerProcessState.Ready), poolStopping: false));
    }

    [Fact]
    public void Decide_NoProcessLifetime_NeverRecycles()
    {
        _clock.Advance(TimeSpan.FromDays(400));

        Assert.Equal(ProcessAction.None, Checks(o => o.ProcessLifetime = null).Decide(Process(WorkerProcessState.Ready), poolStopping: false));
    }

    [Fact]
    public void Decide_DrainingProcess_IsKilledJustPastDrainTimeoutCountedFromItsDrain()
    {
        ProcessChecks checks = Checks();
        _clock.Advance(TimeSpan.FromSeconds(30));
        long drainingSince = _clock.GetTimestamp();

        _clock.Advance(DrainTimeout);
        Assert.Equal(ProcessAction.None, checks.Decide(Process(WorkerProcessState.Draining, drainingSince: drainingSince), poolStopping: false));
        _clock.Advance(Tick);
        Assert.Equal(new ProcessAction(ProcessActionKind.KillDrainTimedOut, DrainTimeout + Tick), checks.Decide(Process(WorkerProcessState.Draining, drainingSince: drainingSince), poolStopping: false));
    }

    [Fact]
    public void Decide_DrainingWhileThePoolStops_IsLeftToTheStopDeadline()
    {
        long drainingSince = _clock.GetTimestamp();
        _clock.Advance(DrainTimeout * 10);

        Assert.Equal(ProcessAction.None, Checks().Decide(Process(WorkerProcessState.Draining, drainingSince: drainingSince), poolStopping: true));
    }

    [Theory]
    [InlineData((int)WorkerProcessState.Ready)]
    [InlineData((int)WorkerProcessState.Draining)]
    public void Decide_SilentProcess_IsKilledAsHungJustPastHeartbeatTimeout(int stage)
    {
        var state = (WorkerProcessState)stage;
        ProcessChecks checks = Checks();
        long lastSeenAt = _clock.GetTimestamp();
        long? drainingSince = state == WorkerProcessState.Draining ? lastSeenAt : null;

        _clock.Advance(HeartbeatTimeout);
        Assert.Equal(ProcessAction.None, checks.Decide(Process(state, lastSeenAt: lastSeenAt, drainingSince: drainingSince), poolStopping: false));
        _clock.Advance(Tick);
        Assert.Equal(new ProcessAction(ProcessActionKind.KillHung, HeartbeatTimeout + Tick), checks.Decide(Process(state, lastSeenAt: lastSeenAt, drainingSince: drainingSince), poolStopping: true));
    }

    [Fact]
    public void Decide_JobRunningPastTheOverdueBound_KillsWithTheJob()
    {
        ProcessChecks checks = Checks();
        var job = new RunningJobStart(7, "job-7", _clock.GetUtcNow());

        _clock.Advance(OverdueAfter);
        Assert.Equal(ProcessAction.None, checks.Decide(Process(WorkerProcessState.Ready, oldestJob: job), poolStopping: false));
        _clock.Advance(Tick);
        Assert.Equal(new ProcessAction(ProcessActionKind.KillOverdue, OverdueAfter + Tick, job), checks.Decide(Process(WorkerProcessState.Ready, oldestJob: job), poolStopping: false));
    }

    [Fact]
    public void Decide_JobStartedLongAgoWithoutJobTimeout_IsNotOverdue()
    {
        var job = new RunningJobStart(7, "job-7", _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromDays(1));

        ProcessChecks checks = Checks(o => (o.JobTimeout, o.ProcessLifetime) = (null, null));

        Assert.Equal(ProcessAction.None, checks.Decide(Process(WorkerProcessState.Ready, oldestJob: job), poolStopping: false));
    }

    [Fact]
    public void Decide_ProcessNotConnected_OnlyTheStartRuleApplies()
    {
        var job = new RunningJobStart(7, "job-7", _clock.GetUtcNow());
        _clock.Advance(StartTimeout);

        Assert.Equal(ProcessAction.None, Checks().Decide(Process(WorkerProcessState.Starting, linked: false, lastSeenAt: 0, oldestJob: job), poolStopping: false));
    }

    [Fact]
    public void Decide_PastLifetimeSilentAndOverdue_RecyclesFirst()
    {
        long lastSeenAt = _clock.GetTimestamp();
        var job = new RunningJobStart(7, "job-7", _clock.GetUtcNow());
        _clock.Advance(Lifetime + Tick);

        ProcessAction action = Checks().Decide(Process(WorkerProcessState.Ready, lastSeenAt: lastSeenAt, oldestJob: job), poolStopping: false);

        Assert.Equal(ProcessActionKind.Recycle, action.Kind);
    }

    [Fact]
    public void Decide_SilentAndOverdue_IsHungFirst()
    {
        long lastSeenAt = _clock.GetTimestamp();
        var job = new RunningJobStart(7, "job-7", _clock.GetUtcNow());
        _clock.Advance(OverdueAfter + Tick);

        ProcessAction action = Checks().Decide(Process(WorkerProcessState.Ready, lastSeenAt: lastSeenAt, oldestJob: job), poolStopping: false);

        Assert.Equal(ProcessActionKind.KillHung, action.Kind);
    }

    [Fact]
    public void Decide_JobUnaccountedJustUpToTheHeartbeatTimeout_IsLeftAlone()
    {
        ProcessAction action = Checks().Decide(Process(WorkerProcessState.Ready) with { UnaccountedFor = HeartbeatTimeout }, poolStopping: false);

        Assert.Equal(ProcessAction.None, action);
    }

    [Fact]
    public void Decide_HeartbeatsComeButAJobItRunsIsMissingPastTheHeartbeatTimeout_IsKilledAsUnaccounted()
    {
        ProcessAction action = Checks().Decide(Process(WorkerProcessState.Ready) with { UnaccountedFor = HeartbeatTimeout + Tick }, poolStopping: false);

        Assert.Equal(new ProcessAction(ProcessActionKind.KillUnaccounted, HeartbeatTimeout + Tick), action);
    }

    [Fact]
    public void Decide_SilentAndAJobUnaccounted_IsHungFirst()
    {
        long lastSeenAt = _clock.GetTimestamp();
        _clock.Advance(HeartbeatTimeout + Tick);

        ProcessAction action = Checks().Decide(Process(WorkerProcessState.Ready, lastSeenAt: lastSeenAt) with { UnaccountedFor = HeartbeatTimeout * 2 }, poolStopping: false);

        Assert.Equal(ProcessActionKind.KillHung, action.Kind);
    }

    [Fact]
    public void Decide_DrainTimedOutAndSilent_IsKilledForItsDrainFirst()
    {
        long since = _clock.GetTimestamp();
        _clock.Advance(DrainTimeout + Tick);

        ProcessAction action = Checks().Decide(Process(WorkerProcessState.Draining, lastSeenAt: since, drainingSince: since), poolStopping: false);

        Assert.Equal(ProcessActionKind.KillDrainTimedOut, action.Kind);
    }

    [Theory]
    [InlineData((int)WorkerProcessState.Starting)]
    [InlineData((int)WorkerProcessState.Ready)]
    [InlineData((int)WorkerProcessState.Draining)]
    public void Decide_ProcessBeingKilled_IsNotCheckedAgain(int stage)
    {
        var state = (WorkerProcessState)stage;
        long since = _clock.GetTimestamp();
        var job = new RunningJobStart(7, "job-7", _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromDays(1));

        ProcessSnapshot process = Process(state, lastSeenAt: since, drainingSince: since, oldestJob: job) with { BeingKilled = true };

        Assert.Equal(ProcessAction.None, Checks().Decide(process, poolStopping: false));
    }

    [Fact]
    public void Decide_ExitedProcess_IsNotChecked()
    {
        long since = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromDays(1));

        Assert.Equal(ProcessAction.None, Checks().Decide(Process(WorkerProcessState.Exited, lastSeenAt: since, drainingSince: since), poolStopping: false));
    }

    private ProcessChecks Checks(Action<MpmsOptions>? configure = null)
    {
        var options = new MpmsOptions
        {
            StartTimeout = StartTimeout,
            ProcessLifetime = Lifetime,
            DrainTimeout = DrainTimeout,
            HeartbeatTimeout = HeartbeatTimeout,
            JobTimeout = JobTimeout,
            JobTimeoutGrace = Grace,
        };
        configure?.Invoke(options);
        return new ProcessChecks(options, _clock);
    }

    /// <summary>A process started when the test began, last heard from now unless told otherwise.</summary>
    private ProcessSnapshot Process(WorkerProcessState state, bool linked = true, long? lastSeenAt = null, long? drainingSince = null, RunningJobStart? oldestJob = null) =>
        new(state, _startedAt, drainingSince, BeingKilled: false, linked, lastSeenAt ?? _clock.GetTimestamp(), oldestJob);
}
