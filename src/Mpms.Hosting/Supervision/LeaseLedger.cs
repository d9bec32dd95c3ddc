using System.Diagnostics;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// The leases one worker process holds — jobs sent to it that have no outcome yet — and whether it may be sent more.
/// A job frame is only written while the ledger is open and under its lock, so once it is closed (a drain, a leave, the
/// end of the link) no job frame follows: the process takes nothing after it, and no lease is forgotten when it dies.
/// </summary>
/// <remarks>
/// <para>With prefetch it learns which jobs held ahead started from the process's <see cref="StartMarks"/>: it gives
/// each job frame the link's next ordinal, and keeps, per slot, the one lease whose start it has not seen yet. The
/// invariant that makes a mark exact: <b>no two leases whose start is unknown share a slot</b>. Before a new ordinal takes
/// a slot, the lease there has ended (its slot was cleared) or its mark is read as started (recorded, then cleared); if
/// neither, the job is not sent (<see cref="LeaseAdd.SlotTaken"/>) until one is. So a slot the ledger reads holds its
/// lease's ordinal if and only if that job started, whatever the process did after — finished it with its result still
/// unwritten, started another, or died.</para>
/// <para>It also keeps the process honest about the jobs it runs: a job it must be running (sent without prefetch, or seen
/// started) is accounted for each time a heartbeat lists it; <see cref="OldestUnaccountedAt"/> finds the one the process
/// has kept quiet about the longest.</para>
/// </remarks>
internal sealed class LeaseLedger
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _clock;
    private readonly bool _jobsStartWhenSent;

    // The process's start marks (with prefetch), read under _lock only; null when every job starts as it is sent.
    private readonly StartMarks? _marks;

    // Per slot of _marks: the lease sent with ordinal _slotOrdinal[slot] whose start is not known yet, or null.
    private readonly IJobLease?[] _slotLease;
    private readonly long[] _slotOrdinal;

    // Every lease sent to the process and not yet ended through this ledger, by sequence. Not added to once _closed.
    private readonly Dictionary<long, InFlight> _inFlight = [];

    // The ordinal of the last job frame written: the process counts the frames it reads the same way.
    private long _lastOrdinal;

    // Every ordinal below this has ended or is known started: where a look at the marks begins.
    private long _unknownFrom = 1;

    // For each lease the process must be running: when it last accounted for it (sent, said started, or in a heartbeat).
    private readonly Dictionary<long, long> _accountedAt = [];

    // Set once, under _lock; read without it by senders that only want to skip work early.
    private volatile bool _closed;

    public LeaseLedger(TimeProvider clock, bool jobsStartWhenSent, StartMarks? marks = null)
    {
        _clock = clock;
        _jobsStartWhenSent = jobsStartWhenSent;
        _marks = jobsStartWhenSent ? null : marks;
        _slotLease = new IJobLease?[_marks?.SlotCount ?? 0];
        _slotOrdinal = new long[_slotLease.Length];
    }

    /// <summary>Gets a value indicating whether the process may be sent no more jobs.</summary>
    public bool IsClosed => _closed;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>Adds a lease and appends its job frame to <paramref name="outbox"/> (the caller flushes), unless it cannot.</summary>
    /// <returns>
    /// <see cref="LeaseAdd.Added"/>; or, with nothing added or written, <see cref="LeaseAdd.Closed"/> or
    /// <see cref="LeaseAdd.SlotTaken"/>.
    /// </returns>
    public LeaseAdd TryAdd(IJobLease lease, FrameOutbox outbox)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return LeaseAdd.Closed;
            }

            long ordinal = _lastOrdinal + 1;
            if (_marks is not null)
            {
                if (!TryFreeSlot(ordinal))
                {
                    return LeaseAdd.SlotTaken;
                }

                int slot = _marks.SlotOf(ordinal);
                _slotLease[slot] = lease;
                _slotOrdinal[slot] = ordinal;
            }

            _lastOrdinal = ordinal;
            bool added = _inFlight.TryAdd(lease.Sequence, new InFlight(lease, ordinal));
            Debug.Assert(added, "A job is leased to one link at a time, once.");
            if (_jobsStartWhenSent)
            {
                _accountedAt[lease.Sequence] = _clock.GetTimestamp();
            }

            // Copied into the outbox under the lock: a concurrent TakeAll cannot end the lease (and free its payload)
            // meanwhile; and frames go out in ordinal order, the order the process counts them in.
            outbox.Enqueue(new JobFrame(lease.Sequence, lease.IdHigh, lease.Attempt, lease.TraceParent, lease.Payload));
            return LeaseAdd.Added;
        }
    }

    /// <summary>Tells whether the next job frame may be written now: its slot is free, or frees as its lease is seen started.</summary>
    public bool NextSlotFree()
    {
        lock (_lock)
        {
            return _closed || _marks is null || TryFreeSlot(_lastOrdinal + 1);
        }
    }

    /// <summary>
    /// Reads the marks of the jobs held ahead whose start is not known yet, and records each one that started: its place
    /// in the queue is free, and it is accountable to heartbeats from now on. Called once per burst of frames read.
    /// </summary>
    public void ObserveStarts()
    {
        if (_marks is null)
        {
            return; // every job started as it was sent: nothing to look at, and no lock to take per burst
        }

        lock (_lock)
        {
            if (_inFlight.Count == 0)
            {
                return;
            }

            bool allKnownSoFar = true;
            for (long ordinal = _unknownFrom; ordinal <= _lastOrdinal; ordinal++)
            {
                int slot = _marks.SlotOf(ordinal);
                bool known = _slotOrdinal[slot] != ordinal || _slotLease[slot] is null || RecordIfStarted(slot);
                if (known && allKnownSoFar)
                {
                    _unknownFrom = ordinal + 1;
                }
                else
                {
                    allKnownSoFar = false;
                }
            }
        }
    }

    /// <summary>Closes the ledger: no lease is added any more.</summary>
    /// <returns><see langword="true"/> for the call that closed it.</returns>
    public bool Close()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _closed = true;
            return true;
        }
    }

    /// <summary>
    /// Removes and returns the lease of <paramref name="sequence"/>, if the process still holds it; a job it marked
    /// started is recorded as such first (its result, or its timeout, comes after its start).
    /// </summary>
    public IJobLease? Take(long sequence)
    {
        lock (_lock)
        {
            if (!_inFlight.Remove(sequence, out InFlight taken))
            {
                _accountedAt.Remove(sequence);
                return null;
            }

            if (_marks is not null)
            {
                int slot = _marks.SlotOf(taken.Ordinal);
                if (_slotOrdinal[slot] == taken.Ordinal && _slotLease[slot] is not null)
                {
                    RecordIfStarted(slot);
                    _slotLease[slot] = null;
                }
            }

            _accountedAt.Remove(sequence);
            return taken.Lease;
        }
    }

    /// <summary>Finds the lease of <paramref name="sequence"/> without taking it, if the process still holds it.</summary>
    public IJobLease? Find(long sequence)
    {
        lock (_lock)
        {
            return _inFlight.TryGetValue(sequence, out InFlight found) ? found.Lease : null;
        }
    }

    /// <summary>
    /// Closes the ledger and takes every lease left: the process is gone, and these are its orphans. Each one it marked
    /// started is recorded as started first, so that only those that never started go back to the queue. The marks are
    /// read no more after this.
    /// </summary>
    public IJobLease[] CloseAndTakeAll()
    {
        lock (_lock)
        {
            _closed = true;
            if (_marks is not null)
            {
                for (int slot = 0; slot < _slotLease.Length; slot++)
                {
                    if (_slotLease[slot] is not null)
                    {
                        RecordIfStarted(slot);
                        _slotLease[slot] = null;
                    }
                }
            }

            IJobLease[] orphans = [.. _inFlight.Values.Select(f => f.Lease)];
            _inFlight.Clear();
            _accountedAt.Clear();
            return orphans;
        }
    }

    /// <summary>Finds, among the jobs of a heartbeat, the one started first that the process still holds.</summary>
    public RunningJobStart? OldestRunning(RunningJob[] running)
    {
        RunningJob? oldest = null;
        IJobLease? oldestLease = null;
        lock (_lock)
        {
            foreach (RunningJob job in running)
            {
                if (IsValidStart(job) && (oldest is null || job.StartedTicks < oldest.Value.StartedTicks)
                    && _inFlight.TryGetValue(job.Sequence, out InFlight held))
                {
                    oldest = job;
                    oldestLease = held.Lease;
                }
            }
        }

        return oldest is RunningJob found
            ? new RunningJobStart(found.Sequence, oldestLease!.JobId, new DateTimeOffset(found.StartedTicks, TimeSpan.Zero))
            : null;
    }

    /// <summary>Lists the jobs of a heartbeat that the process still holds, with their leases.</summary>
    public List<(IJobLease Lease, RunningJob Job)> Running(RunningJob[] running)
    {
        var jobs = new List<(IJobLease, RunningJob)>(running.Length);
        lock (_lock)
        {
            foreach (RunningJob job in running)
            {
                if (IsValidStart(job) && _inFlight.TryGetValue(job.Sequence, out InFlight held))
                {
                    jobs.Add((held.Lease, job));
                }
            }
        }

        return jobs;
    }

    /// <summary>Notes that a heartbeat lists these jobs as running now: each one the process holds is accounted for.</summary>
    public void Account(RunningJob[] running)
    {
        long now = _clock.GetTimestamp();
        lock (_lock)
        {
            foreach (RunningJob job in running)
            {
                if (_inFlight.ContainsKey(job.Sequence))
                {
                    _accountedAt[job.Sequence] = now;
                }
            }
        }
    }

    /// <summary>Gets when the job the process must be running and has kept quiet about the longest was last accounted for.</summary>
    public long? OldestUnaccountedAt()
    {
        lock (_lock)
        {
            return _accountedAt.Count == 0 ? null : _accountedAt.Values.Min();
        }
    }

    // A start time no clock can give is no evidence of anything (the heartbeat is the worker's word).
    /// <summary>Tells whether a heartbeat entry's start time is a real time (a peer may send anything).</summary>
    public static bool IsValidStart(in RunningJob job) => (ulong)job.StartedTicks <= (ulong)DateTime.MaxValue.Ticks;

    /// <summary>Makes the slot of <paramref name="ordinal"/> free for it, if the lease there is seen started; under <see cref="_lock"/>.</summary>
    private bool TryFreeSlot(long ordinal)
    {
        int slot = _marks!.SlotOf(ordinal);
        return _slotLease[slot] is null || RecordIfStarted(slot);
    }

    /// <summary>Records the slot's lease as started, and frees the slot, if its mark says so; under <see cref="_lock"/>.</summary>
    private bool RecordIfStarted(int slot)
    {
        if (!_marks!.HasStarted(_slotOrdinal[slot]))
        {
            return false;
        }

        IJobLease lease = _slotLease[slot]!;
        _slotLease[slot] = null;
        lease.MarkStarted();
        _accountedAt[lease.Sequence] = _clock.GetTimestamp();
        return true;
    }

    private readonly record struct InFlight(IJobLease Lease, long Ordinal);
}
