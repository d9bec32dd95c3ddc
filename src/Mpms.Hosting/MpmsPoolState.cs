namespace Mpms.Hosting;

/// <summary>The life stage of a pool. How well it runs meanwhile is its <see cref="MpmsPoolHealth"/>.</summary>
public enum MpmsPoolState
{
    /// <summary>The host has not started the pool yet.</summary>
    NotStarted,

    /// <summary>The pool accepts jobs and keeps its processes alive.</summary>
    Running,

    /// <summary>The queue is completed: no new jobs; the accepted ones still run.</summary>
    Completing,

    /// <summary>The pool has stopped; its processes are gone.</summary>
    Stopped,
}
