using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Mpms.Hosting.Queue;

/// <summary>
/// The jobs ready to run, in the order links take them: the highest priority first, FIFO within a priority, and a job
/// of priority <c>p</c> ordered as if it had been ready <c>p * PriorityAgingInterval</c> earlier, so that a waiting
/// job gains one priority per interval and none starves.
/// </summary>
/// <remarks>
/// Jobs of priority 0 — every job put without options — go through an unbounded channel exactly as before priorities
/// existed: while no job of a higher priority waits, taking one is a channel read and nothing else. A link waiting for
/// a job resumes on the putting thread. Jobs of a higher priority wait in a heap under a lock, and each one added
/// writes a <see langword="null"/> to the channel: it wakes a link waiting there, which then looks in the heap. Jobs of
/// priority 0 put by a bulk call wait in a lane of their own, a burst with one wake-up; they take turns with the
/// channel's jobs, and wait behind the heap's like those.
/// </remarks>
internal sealed class WaitingLine<TJob, TResult>
{
    private readonly Channel<PendingJob<TJob, TResult>?> _fifo = Channel.CreateUnbounded<PendingJob<TJob, TResult>?>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = true,
    });

    private readonly Lock _lock = new();

    // The bulk lane: jobs of priority 0 put by a bulk call, a burst at a time with one wake-up on the channel. Not peeked
    // while jobs flow: a peek freezes a ConcurrentQueue segment, so the next write would allocate a new one.
    private readonly ConcurrentQueue<PendingJob<TJob, TResult>> _bulk = new();
    private bool _bulkTurn;

    // Under _lock: the jobs of priority 1 and more, by (ready time - priority * aging, sequence).
    private readonly PriorityQueue<PendingJob<TJob, TResult>, (long Key, long Sequence)> _ranked = new();
    private readonly long _agingTicks;

    // _ranked.Count, written under _lock: read without it, zero keeps taking on the channel-only path.
    private volatile int _rankedCount;

    public WaitingLine(TimeSpan agingInterval) => _agingTicks = agingInterval.Ticks;

    /// <summary>Waits until a job may be there to take; another link may take it first.</summary>
    /// <remarks>A burst's one wake-up may have been taken by a link that left jobs of it behind: those count too.</remarks>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) =>
        _bulk.IsEmpty ? _fifo.Reader.WaitToReadAsync(cancellationToken) : ValueTask.FromResult(true);

    /// <summary>Adds a job that is ready to run.</summary>
    public void Add(PendingJob<TJob, TResult> job)
    {
        if (job.Priority == 0)
        {
            _fifo.Writer.TryWrite(job);
            return;
        }

        lock (_lock)
        {
            _ranked.Enqueue(job, (Key(job), job.Sequence));
            _rankedCount = _ranked.Count;
        }

        _fifo.Writer.TryWrite(null);
    }

    /// <summary>
    /// Adds a burst of jobs ready to run (a bulk put) and wakes the links once, so that a link drains the burst into one
    /// write instead of being woken, and writing, once per job. Jobs of priority 0 go to the bulk lane, the others to
    /// the ranked heap as one by one.
    /// </summary>
    public void AddMany(ReadOnlySpan<PendingJob<TJob, TResult>> jobs)
    {
        if (jobs.IsEmpty)
        {
            return;
        }

        bool ranked = false;
        foreach (PendingJob<TJob, TResult> job in jobs)
        {
            if (job.Priority == 0)
            {
                _bulk.Enqueue(job);
            }
            else
            {
                ranked = true;
            }
        }

        if (ranked)
        {
            lock (_lock)
            {
                foreach (PendingJob<TJob, TResult> job in jobs)
                {
                    if (job.Priority != 0)
                    {
                        _ranked.Enqueue(job, (Key(job), job.Sequence));
                    }
                }

                _rankedCount = _ranked.Count;
            }
        }

        _fifo.Writer.TryWrite(null);
    }

    /// <summary>Takes the job that should run next, if any waits; the caller must still win it from a cancellation.</summary>
    public bool TryTake([NotNullWhen(true)] out PendingJob<TJob, TResult>? job)
    {
        while (_rankedCount == 0)
        {
            // Bulk jobs and single puts of priority 0 take turns while both wait, so neither holds the other back.
            if (!_bulk.IsEmpty && (_bulkTurn = !_bulkTurn) && _bulk.TryDequeue(out job))
            {
                return true;
            }

            if (!_fifo.Reader.TryRead(out job))
            {
                return _bulk.TryDequeue(out job);
            }

            if (job is not null)
            {
                return true;
            }
        }

        return TryTakeRanked(out job);
    }

    /// <summary>Reads when the job that has waited longest became ready, without taking it.</summary>
    public bool TryPeekOldest(out DateTimeOffset readyAt)
    {
        readyAt = DateTimeOffset.MaxValue;
        bool found = false;
        bool wake;
        lock (_lock)
        {
            // A wake-up left at the head would hide the jobs behind it.
            PendingJob<TJob, TResult>? head = DropWakeUps();
            if (head is not null)
            {
                (readyAt, found) = (head.ReadyAt, true);
            }

            // Its head is the bulk lane's oldest; the peek costs a segment, but only when the pool's counters are read.
            if (_bulk.TryPeek(out PendingJob<TJob, TResult>? bulkHead) && bulkHead.ReadyAt < readyAt)
            {
                (readyAt, found) = (bulkHead.ReadyAt, true);
            }

            foreach ((PendingJob<TJob, TResult> ranked, _) in _ranked.UnorderedItems)
            {
                if (ranked.ReadyAt < readyAt)
                {
                    (readyAt, found) = (ranked.ReadyAt, true);
                }
            }

            wake = NeedsWakeUp();
        }

        WakeUpIf(wake);
        return found;
    }

    private bool TryTakeRanked([NotNullWhen(true)] out PendingJob<TJob, TResult>? job)
    {
        bool wake;
        lock (_lock)
        {
            job = null;
            while (job is null)
            {
                PendingJob<TJob, TResult>? head = DropWakeUps();
                if (_ranked.TryPeek(out PendingJob<TJob, TResult>? top, out (long Key, long Sequence) rank) && (head is null || rank.Key <= Key(head)))
                {
                    _ranked.Dequeue();
                    _rankedCount = _ranked.Count;
                    job = top;
                }
                else if (head is null)
                {
                    break;
                }
                else
                {
                    // Another link may have read the head meanwhile (it does not lock): then this reads the next one.
                    _fifo.Reader.TryRead(out job);
                }
            }

            wake = NeedsWakeUp();
        }

        WakeUpIf(wake);
        return job is not null;
    }

    /// <summary>Drops the wake-ups at the head of the channel (they only woke links) and returns its first job; under the lock.</summary>
    private PendingJob<TJob, TResult>? DropWakeUps()
    {
        PendingJob<TJob, TResult>? head;
        while (_fifo.Reader.TryPeek(out head) && head is null)
        {
            _fifo.Reader.TryRead(out _);
        }

        return head;
    }

    // Dropped wake-ups may have been the ranked jobs' only ones: while any ranked job is left, the channel must not look
    // empty, or a link waiting on it would sleep past the job. Decided under the lock, written after it: a link resumed
    // by the write may run its pump on this thread, and never under the lock; a spare wake-up is harmless.
    private bool NeedsWakeUp() => _rankedCount != 0 && _fifo.Reader.Count == 0;

    private void WakeUpIf(bool wake)
    {
        if (wake)
        {
            _fifo.Writer.TryWrite(null);
        }
    }

    private long Key(PendingJob<TJob, TResult> job) => job.ReadyAt.UtcTicks - (job.Priority * _agingTicks);
}
