using System.Diagnostics;

namespace Mpms.Hosting.Worker;

/// <summary>
/// The counts that decide how many jobs a worker process asks for: its threads (starting and live), the jobs it holds,
/// and the credit it granted that no job has used yet. It asks for <c>live + Prefetch − held − outstanding</c> jobs, so
/// a free thread is always asked a job and a busy one never is. It writes nothing: its callers turn a grant into a
/// credit frame.
/// </summary>
internal sealed class CreditLedger
{
    private readonly Lock _gate = new();
    private readonly int _prefetch;

    // Threads still running their initializers: they may yet take jobs, so the process does not leave for want of threads.
    private int _starting;

    // Threads that take jobs. A thread leaves this count at its lifecycle limit, once its last job has run.
    private int _live;

    // Jobs received and not yet ended by an outcome or a hand-back. More than _live + _prefetch only when a thread left
    // after credit was granted for it: the process is then over capacity and hands back what it cannot run.
    private int _held;

    // Credit granted that no job frame has used yet.
    private int _outstanding;

    // Whether any thread ever became live: a process whose threads all failed to start is a failed start.
    private bool _everLive;

    // Set once, when the process begins leaving: no credit after it, and every job that arrives is handed back.
    private bool _closed;

    public CreditLedger(int prefetch)
    {
        Debug.Assert(prefetch >= 0, "Prefetch is validated as not negative.");
        _prefetch = prefetch;
    }

    /// <summary>Gets the number of threads still starting.</summary>
    public int Starting
    {
        get
        {
            lock (_gate)
            {
                return _starting;
            }
        }
    }

    /// <summary>Gets the number of live threads.</summary>
    public int Live
    {
        get
        {
            lock (_gate)
            {
                return _live;
            }
        }
    }

    /// <summary>Gets the number of jobs held: queued or running.</summary>
    public int Held
    {
        get
        {
            lock (_gate)
            {
                return _held;
            }
        }
    }

    /// <summary>Gets the credit granted and not yet used.</summary>
    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _outstanding;
            }
        }
    }

    /// <summary>Gets a value indicating whether any thread ever became live.</summary>
    public bool EverLive
    {
        get
        {
            lock (_gate)
            {
                return _everLive;
            }
        }
    }

    /// <summary>Counts the threads about to run their initializers.</summary>
    public void ThreadsStarting(int count)
    {
        lock (_gate)
        {
            Debug.Assert(_starting == 0 && _live == 0, "Threads start once per process.");
            _starting = count;
        }
    }

    /// <summary>A thread passed its initializers and takes jobs.</summary>
    /// <returns>The credit to grant now, 0 for none.</returns>
    public int OnThreadLive()
    {
        lock (_gate)
        {
            _starting--;
            _live++;
            _everLive = true;
            AssertInvariants();
            return ReserveGrant();
        }
    }

    /// <summary>A live thread left (its lifecycle limit, or the process leaving).</summary>
    /// <returns><see langword="true"/> when it was the last thread, none is starting, and the process is not leaving yet.</returns>
    public bool OnThreadRetired()
    {
        lock (_gate)
        {
            _live--;
            AssertInvariants();
            return IsLastThreadGone();
        }
    }

    /// <summary>A thread ended before it took any job: its initializer failed, or the process left first.</summary>
    /// <returns><see langword="true"/> when no thread is left or starting, one was live once, and the process is not leaving yet.</returns>
    public bool OnThreadStartFailed()
    {
        lock (_gate)
        {
            _starting--;
            AssertInvariants();
            return IsLastThreadGone();
        }
    }

    /// <summary>A job frame arrived: it uses one credit and is held from now on.</summary>
    public JobArrival OnJobArrived()
    {
        lock (_gate)
        {
            if (_outstanding == 0)
            {
                return JobArrival.WithoutCredit;
            }

            _outstanding--;
            _held++;
            AssertInvariants();

            // Sent before the application knew the process leaves, or on credit granted for a thread that has left since.
            return _closed || IsOverCapacity() ? JobArrival.HandBack : JobArrival.Keep;
        }
    }

    /// <summary>Tells whether a held job that its thread will not run may wait for a sibling thread.</summary>
    /// <returns><see langword="false"/> when the process leaves, or holds more jobs than its live threads and prefetch allow.</returns>
    public bool CanKeepAnother()
    {
        lock (_gate)
        {
            return !_closed && !IsOverCapacity();
        }
    }

    /// <summary>A held job ended: its outcome or its hand-back is written.</summary>
    /// <returns>The credit to grant now, 0 for none.</returns>
    public int OnJobEnded()
    {
        lock (_gate)
        {
            _held--;
            AssertInvariants();
            return ReserveGrant();
        }
    }

    /// <summary>The process leaves: no credit is granted any more, and every job that arrives is handed back.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }

    private bool IsOverCapacity() => _held > _live + _prefetch;

    // A sibling still running its initializer will take jobs, so the process stays for it; one that is leaving
    // already has its reason.
    private bool IsLastThreadGone() => _live == 0 && _starting == 0 && _everLive && !_closed;

    private int ReserveGrant()
    {
        if (_closed)
        {
            return 0;
        }

        int grant = _live + _prefetch - _held - _outstanding;
        if (grant <= 0)
        {
            return 0;
        }

        _outstanding += grant;
        return grant;
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(_starting >= 0, "More threads ended their start than started.");
        Debug.Assert(_live >= 0, "A thread retired twice, or without being live.");
        Debug.Assert(_held >= 0, "A job ended twice, or without arriving.");
        Debug.Assert(_outstanding >= 0, "A job used credit that was never granted.");
    }
}

/// <summary>What the process does with a job frame that just arrived.</summary>
internal enum JobArrival
{
    /// <summary>Queue it for a thread.</summary>
    Keep,

    /// <summary>Hand it back to the application: the process leaves, or has no room for it.</summary>
    HandBack,

    /// <summary>The application sent it without credit: a protocol error.</summary>
    WithoutCredit,
}
