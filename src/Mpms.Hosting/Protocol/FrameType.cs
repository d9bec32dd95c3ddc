namespace Mpms.Hosting.Protocol;

/// <summary>The kinds of frame on the link between the application (parent) and a worker process (child).</summary>
internal enum FrameType : byte
{
    /// <summary>Child → parent, first frame: the per-spawn secret and the child's process id (JSON).</summary>
    Hello = 1,

    /// <summary>Parent → child, answer to a valid hello: the pool's worker settings (JSON).</summary>
    Welcome = 2,

    /// <summary>Child → parent: process initializers succeeded.</summary>
    Ready = 3,

    /// <summary>Child → parent: the child may receive this many more jobs (credit-based pull).</summary>
    Credit = 4,

    /// <summary>Parent → child: one job.</summary>
    Job = 5,

    /// <summary>Child → parent: the outcome of one job.</summary>
    Result = 6,

    /// <summary>Parent → child: cancel one job.</summary>
    Cancel = 7,

    /// <summary>Parent → child: stop taking jobs, finish the running ones, run finalizers and exit.</summary>
    Drain = 8,

    /// <summary>Child → parent: a job the child received but never started, handed back to the queue.</summary>
    Returned = 9,

    /// <summary>Child → parent: still alive.</summary>
    Heartbeat = 10,

    /// <summary>Child → parent: the child is leaving by itself (lifecycle, graceful die, task timeout, failed start).</summary>
    Leaving = 11,

    /// <summary>Child → parent: one log event, to be written to the application's log.</summary>
    Log = 12,

    /// <summary>
    /// Reserved: until protocol version 3, child → parent, a thread started a job it had received ahead. Starts are now
    /// stored in the link's <see cref="StartMarks"/>, without a frame; the number is not reused, so that a peer of an
    /// older version is refused by its hello rather than misread.
    /// </summary>
    StartedReserved = 13,

    /// <summary>
    /// Parent → child: hand back up to this many jobs received ahead that no thread has taken, for an idle process.
    /// </summary>
    Reclaim = 14,

    /// <summary>Child → parent: the answer to a reclaim, after the hand-backs it made: how many jobs it handed back.</summary>
    Reclaimed = 15,

    /// <summary>
    /// Child → parent: the latest progress a running job reported (sequence, serialised value), at most one per job per
    /// progress interval.
    /// </summary>
    Progress = 16,
}
