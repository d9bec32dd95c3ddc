namespace Mpms.Hosting.Supervision;

/// <summary>A job a process runs, as its last heartbeat says.</summary>
/// <param name="Sequence">The job's sequence number on the link.</param>
/// <param name="JobId">The job's id, for logs.</param>
/// <param name="StartedAt">When a thread of the process started it (the worker's clock, UTC).</param>
internal readonly record struct RunningJobStart(long Sequence, string JobId, DateTimeOffset StartedAt);

/// <summary>What the supervisor knows of one process when it checks it; times are timestamps of the pool's clock.</summary>
/// <param name="State">Its stage.</param>
/// <param name="StartedAt">When it was started.</param>
/// <param name="DrainingSince">When it began to drain, if it has.</param>
/// <param name="BeingKilled">Whether the pool already kills it.</param>
/// <param name="Linked">Whether it connected: it has a link.</param>
/// <param name="LastSeenAt">When the last frame came from it (meaningful when <paramref name="Linked"/>).</param>
/// <param name="OldestJob">The job it has run the longest, among those its last heartbeat lists and that have no outcome.</param>
/// <param name="UnaccountedFor">How long it has sent heartbeats without a job it must be running (see <see cref="LastHeartbeat.UnaccountedFor"/>).</param>
internal readonly record struct ProcessSnapshot(
    WorkerProcessState State,
    long StartedAt,
    long? DrainingSince,
    bool BeingKilled,
    bool Linked,
    long LastSeenAt,
    RunningJobStart? OldestJob,
    TimeSpan? UnaccountedFor = null);

/// <summary>What the supervisor does with a process.</summary>
internal enum ProcessActionKind
{
    /// <summary>Nothing: it is within every bound.</summary>
    None,

    /// <summary>Kill it as a failed start: it was not ready within <see cref="MpmsOptions.StartTimeout"/>.</summary>
    KillStartTimedOut,

    /// <summary>Drain it: it reached <see cref="MpmsOptions.ProcessLifetime"/>.</summary>
    Recycle,

    /// <summary>Kill it: it drained for longer than <see cref="MpmsOptions.DrainTimeout"/>.</summary>
    KillDrainTimedOut,

    /// <summary>Kill it with evidence: nothing came from it for <see cref="MpmsOptions.HeartbeatTimeout"/>.</summary>
    KillHung,

    /// <summary>Kill it with evidence and time its job out: the job ran past <c>JobTimeout + JobTimeoutGrace + HeartbeatTimeout</c>.</summary>
    KillOverdue,

    /// <summary>Kill it with evidence: it holds a job it must be running that no heartbeat listed for <see cref="MpmsOptions.HeartbeatTimeout"/>.</summary>
    KillUnaccounted,
}

/// <summary>The action for a process, with what was measured: its age, its drain, its silence, or its job's run.</summary>
internal readonly record struct ProcessAction(ProcessActionKind Kind, TimeSpan Measured = default, RunningJobStart? Job = null)
{
    public static ProcessAction None => default;
}

/// <summary>
/// The rules that find processes too slow to start, too old, too slow to leave, hung, or running an overdue job: a
/// function of a snapshot and the time, the first rule that applies wins. The supervisor carries the action out.
/// </summary>
internal sealed class ProcessChecks
{
    private readonly MpmsOptions _options;
    private readonly TimeProvider _clock;

    public ProcessChecks(MpmsOptions options, TimeProvider clock)
    {
        _options = options;
        _clock = clock;
        OverdueAfter = options.JobTimeout + options.JobTimeoutGrace + options.HeartbeatTimeout;
    }

    /// <summary>
    /// Gets how long a job may run before the pool kills its process, or <see langword="null"/> without a
    /// <see cref="MpmsOptions.JobTimeout"/>. The process enforces JobTimeout itself; this catches one that could not.
    /// </summary>
    public TimeSpan? OverdueAfter { get; }

    /// <summary>Decides what to do with <paramref name="process"/> now.</summary>
    /// <param name="process">The process.</param>
    /// <param name="poolStopping">Whether the pool stops: its deadline, not <see cref="MpmsOptions.DrainTimeout"/>, governs drains.</param>
    public ProcessAction Decide(in ProcessSnapshot process, bool poolStopping)
    {
        // A process being killed, or gone, is not checked again: one action per process.
        if (process.BeingKilled || process.State == WorkerProcessState.Exited)
        {
            return ProcessAction.None;
        }

        TimeSpan age = _clock.GetElapsedTime(process.StartedAt);
        switch (process.State)
        {
            case WorkerProcessState.Starting when age > _options.StartTimeout:
                return new ProcessAction(ProcessActionKind.KillStartTimedOut, age);
            case WorkerProcessState.Ready when process.Linked && _options.ProcessLifetime is TimeSpan lifetime && age > lifetime:
                return new ProcessAction(ProcessActionKind.Recycle, age);
            case WorkerProcessState.Draining when !poolStopping && process.DrainingSince is long since
                                                  && _clock.GetElapsedTime(since) is var draining && draining > _options.DrainTimeout:
                return new ProcessAction(ProcessActionKind.KillDrainTimedOut, draining);
        }

        if (!process.Linked)
        {
            return ProcessAction.None;
        }

        // A starting process is governed by StartTimeout: it may be busy loading before it is ready.
        TimeSpan silent = _clock.GetElapsedTime(process.LastSeenAt);
        if (process.State != WorkerProcessState.Starting && silent > _options.HeartbeatTimeout)
        {
            return new ProcessAction(ProcessActionKind.KillHung, silent);
        }

        // A process that keeps sending heartbeats without the job it runs is not trusted with it: the job gets its outcome.
        if (process.UnaccountedFor is TimeSpan quiet && quiet > _options.HeartbeatTimeout)
        {
            return new ProcessAction(ProcessActionKind.KillUnaccounted, quiet);
        }

        // A job's age counts from when a thread started it, as the heartbeat says: a job held ahead is not running yet.
        if (OverdueAfter is TimeSpan limit && process.OldestJob is RunningJobStart job
            && _clock.GetUtcNow() - job.StartedAt is var ran && ran > limit)
        {
            return new ProcessAction(ProcessActionKind.KillOverdue, ran, job);
        }

        return ProcessAction.None;
    }
}
