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
/// It also keeps the process honest about the jobs it runs: a job it must be running (sent without prefetch, or said to
/// be started) is accounted for each time a heartbeat lists it; <see cref="OldestUnaccountedAt"/> finds the one the
/// process has kept quiet about the longest.
/// </remarks>
internal sealed class LeaseLedger(TimeProvider clock, bool jobsStartWhenSent)
{
    private readonly Lock _lock = new();

    // Every lease sent to the process and not yet ended through this ledger, by sequence. Not added to once _closed.
    private readonly Dictionary<long, IJobLease> _inFlight = [];

    // For each lease the process must be running: when it last accounted for it (sent, said started, or in a heartbeat).
    private readonly Dictionary<long, long> _accountedAt = [];

    // Set once, under _lock; read without it by senders that only want to skip work early.
    private volatile bool _closed;

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

    /// <summary>Adds a lease and appends its job frame to <paramref name="outbox"/> (the caller flushes), unless closed.</summary>
    /// <returns><see langword="false"/> when the ledger is closed: nothing was added or written.</returns>
    public bool TryAdd(IJobLease lease, FrameOutbox outbox)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            bool added = _inFlight.TryAdd(lease.Sequence, lease);
            Debug.Assert(added, "A job is leased to one link at a time, once.");
            if (jobsStartWhenSent)
            {
                _accountedAt[lease.Sequence] = clock.GetTimestamp();
            }

            // Copied into the outbox under the lock: a concurrent TakeAll cannot end the lease (and free its payload) meanwhile.
            outbox.Enqueue(new JobFrame(lease.Sequence, lease.IdHigh, lease.Attempt, lease.TraceParent, lease.Payload));
            return true;
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

    /// <summary>Removes and returns the lease of <paramref name="sequence"/>, if the process still holds it.</summary>
    public IJobLease? Take(long sequence)
    {
        lock (_lock)
        {
            _accountedAt.Remove(sequence);
            return _inFlight.Remove(sequence, out IJobLease? lease) ? lease : null;
        }
    }

    /// <summary>Finds the lease of <paramref name="sequence"/> without taking it, if the process still holds it.</summary>
    public IJobLease? Find(long sequence)
    {
        lock (_lock)
        {
            return _inFlight.GetValueOrDefault(sequence);
        }
    }

    /// <summary>Notes that a thread of the process started the job of <paramref name="sequence"/>.</summary>
    /// <returns><see langword="false"/> when the process holds no such lease.</returns>
    public bool MarkStarted(long sequence)
    {
        lock (_lock)
        {
            if (!_inFlight.TryGetValue(sequence, out IJobLease? lease))
            {
                return false;
            }

            lease.MarkStarted();
            _accountedAt[sequence] = clock.GetTimestamp();
            return true;
        }
    }

    /// <summary>Closes the ledger and takes every lease left: the process is gone, and these are its orphans.</summary>
    public IJobLease[] CloseAndTakeAll()
    {
        lock (_lock)
        {
            _closed = true;
            IJobLease[] orphans = [.. _inFlight.Values];
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
                    && _inFlight.TryGetValue(job.Sequence, out IJobLease? lease))
                {
                    oldest = job;
                    oldestLease = lease;
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
                if (IsValidStart(job) && _inFlight.TryGetValue(job.Sequence, out IJobLease? lease))
                {
                    jobs.Add((lease, job));
                }
            }
        }

        return jobs;
    }

    /// <summary>Notes that a heartbeat lists these jobs as running now: each one the process holds is accounted for.</summary>
    public void Account(RunningJob[] running)
    {
        long now = clock.GetTimestamp();
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
}
