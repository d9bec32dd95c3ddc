using System.Diagnostics;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// The life of one worker process as the pool sees it, with no operating-system process behind it: its stage
/// (Starting → Ready → Draining → Exited), since when it drains, whether a thread got past every initializer, and
/// why it ends — what the pool asked for, what the process said, or how it died. Any thread may report to it.
/// </summary>
internal sealed class ProcessLifecycle
{
    private const int NoReason = -1;
    private const long NotDraining = long.MinValue;

    private readonly TimeProvider _clock;
    private int _state = (int)WorkerProcessState.Starting;
    private int _requestedReason = NoReason;
    private int _announcedReason = NoReason;
    private int _threadsReady;

    // The clock's timestamp of the move to Draining; NotDraining before it (and for a moment after the move).
    private long _drainingSince = NotDraining;

    // 1 while the process is a warm spare (started and initialised, sent no job); set before its run starts.
    private int _spare;

    // Told once the process serves: its link starts taking jobs.
    private Action? _onServing;

    public ProcessLifecycle(string poolName, int number, int processId, long startedAt, TimeProvider clock)
    {
        Number = number;
        Name = MpmsNames.Process(poolName, number);
        ProcessId = processId;
        StartedAt = startedAt;
        _clock = clock;
    }

    public int Number { get; }

    public string Name { get; }

    public int ProcessId { get; }

    /// <summary>Gets the clock's timestamp of the moment the process was started.</summary>
    public long StartedAt { get; }

    public WorkerProcessState State => (WorkerProcessState)Volatile.Read(ref _state);

    /// <summary>Gets the clock's timestamp of the moment the process began to drain, if it has.</summary>
    public long? DrainingSince => Volatile.Read(ref _drainingSince) is var since && since != NotDraining ? since : null;

    /// <summary>Gets a value indicating whether a thread of the process became ready: it got past every initializer.</summary>
    public bool HasReadyThread => Volatile.Read(ref _threadsReady) > 0;

    /// <summary>Gets a value indicating whether the process counts towards the pool's size (it is not leaving).</summary>
    public bool IsActive => State is WorkerProcessState.Starting or WorkerProcessState.Ready;

    /// <summary>Gets a value indicating whether the process is a warm spare: it is sent no job until <see cref="Promote"/>.</summary>
    public bool IsSpare => Volatile.Read(ref _spare) == 1;

    /// <summary>Makes the process a warm spare; before its run starts.</summary>
    public void MarkSpare() => Volatile.Write(ref _spare, 1);

    /// <summary>Makes a warm spare serve, and tells its link.</summary>
    public void Promote()
    {
        if (Interlocked.Exchange(ref _spare, 0) == 1)
        {
            Volatile.Read(ref _onServing)?.Invoke();
        }
    }

    /// <summary>Calls <paramref name="serve"/> when the process serves: now if it does, else when promoted (maybe twice: it must be idempotent).</summary>
    public void WhenServing(Action serve)
    {
        // Written before the look, so a promotion in between calls it at least once: here, or from Promote.
        Volatile.Write(ref _onServing, serve);
        if (!IsSpare)
        {
            serve();
        }
    }

    /// <summary>Notes that the process's initializers succeeded.</summary>
    public void OnReady() => Interlocked.CompareExchange(ref _state, (int)WorkerProcessState.Ready, (int)WorkerProcessState.Starting);

    /// <summary>Gets a value indicating whether the process said it leaves because it received SIGTERM.</summary>
    public bool WasTerminated => Volatile.Read(ref _announcedReason) == (int)MpmsProcessExitReason.Terminated;

    /// <summary>Notes a credit from the process: one of its threads is ready.</summary>
    /// <returns><see langword="true"/> the first time.</returns>
    public bool OnThreadReady() => Interlocked.Increment(ref _threadsReady) == 1;

    /// <summary>Notes that the process said it is leaving, and why.</summary>
    public void OnLeaving(MpmsProcessExitReason reason)
    {
        Interlocked.CompareExchange(ref _announcedReason, (int)reason, NoReason);

        // A process that leaves after serving is replaced at once; one that failed to start counts as a failure when
        // it exits, so that its replacement waits for the back-off.
        if (reason != MpmsProcessExitReason.StartFailed)
        {
            MarkDraining();
        }
    }

    /// <summary>Notes that the process's link ended: it takes no more jobs, and no longer counts towards the pool's size.</summary>
    /// <returns><see langword="true"/> when this made it leave (it was not leaving already).</returns>
    public bool OnLinkEnded() => MarkDraining();

    /// <summary>Notes that the pool asked the process to leave, and why; the first reason given wins.</summary>
    public void RequestExit(MpmsProcessExitReason reason)
    {
        Interlocked.CompareExchange(ref _requestedReason, (int)reason, NoReason);
        MarkDraining();
    }

    /// <summary>Notes that the pool kills the process; this reason replaces any reason given before (a drain it outlived).</summary>
    public void OnKilled(MpmsProcessExitReason reason)
    {
        Volatile.Write(ref _requestedReason, (int)reason);
        MarkDraining();
    }

    /// <summary>Notes that the process exited and tells why, from what was asked, what it said, and how it ended.</summary>
    /// <param name="exitCode">Its exit code, when known; on Unix, 128 + N for a process ended by signal N.</param>
    /// <param name="linkBroken">Whether its link broke on a protocol error.</param>
    public ProcessExit OnExited(int? exitCode, bool linkBroken)
    {
        Volatile.Write(ref _state, (int)WorkerProcessState.Exited);
        int? signal = exitCode is int code && !OperatingSystem.IsWindows() && code > 128 && code < 128 + 65 ? code - 128 : null;
        int requested = Volatile.Read(ref _requestedReason);
        int announced = Volatile.Read(ref _announcedReason);
        MpmsProcessExitReason reason = requested != NoReason ? (MpmsProcessExitReason)requested
            : announced != NoReason ? (MpmsProcessExitReason)announced
            : signal is not null ? MpmsProcessExitReason.Signaled
            : linkBroken ? MpmsProcessExitReason.LinkLost
            : MpmsProcessExitReason.Exited;
        bool startFailure = !HasReadyThread && reason is not (MpmsProcessExitReason.Shutdown or MpmsProcessExitReason.Recycled or MpmsProcessExitReason.Terminated);
        return new ProcessExit(reason, exitCode, signal, startFailure);
    }

    private bool MarkDraining()
    {
        int state = Volatile.Read(ref _state);
        while (state is (int)WorkerProcessState.Starting or (int)WorkerProcessState.Ready)
        {
            int seen = Interlocked.CompareExchange(ref _state, (int)WorkerProcessState.Draining, state);
            if (seen == state)
            {
                // Only the thread that made the move records it, so the time is written once.
                long previous = Interlocked.Exchange(ref _drainingSince, _clock.GetTimestamp());
                Debug.Assert(previous == NotDraining, "A process starts to drain once.");
                return true;
            }

            state = seen;
        }

        return false;
    }
}
