namespace Mpms.Hosting;

/// <summary>The life stage of a pool.</summary>
public enum MpmsPoolState
{
    /// <summary>The host has not started the pool yet.</summary>
    NotStarted,

    /// <summary>The pool accepts jobs and keeps its processes alive.</summary>
    Running,

    /// <summary>Worker processes fail to start; the pool retries with back-off and still accepts jobs.</summary>
    Faulted,

    /// <summary>Worker processes failed to start more than <see cref="MpmsOptions.MaxRestarts"/> times within
    /// <see cref="MpmsOptions.RestartWindow"/>: puts fail fast with <see cref="MpmsPoolFailedException"/> until a probe
    /// start succeeds.</summary>
    Failed,

    /// <summary>The queue is completed: no new jobs; the accepted ones still run.</summary>
    Completing,

    /// <summary>The pool has stopped; its processes are gone.</summary>
    Stopped,
}
