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
/// writes a <see langword="null"/> to the channel: it wakes a link waiting there, which then looks in the heap.
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

    // Under _lock: the jobs of priority 1 and more, by (ready time - priority * aging, sequence).
    private readonly PriorityQueue<PendingJob<TJob, TResult>, (long Key, long Sequence)> _ranked = new();
    private readonly long _agingTicks;

    // _ranked.Count, written under _lock: read without it, zero keeps taking on the channel-only path.
    private volatile int _rankedCount;

    public WaitingLine(TimeSpan agingInterval) => _agingTicks = agingInterval.Ticks;

    /// <summary>Waits until a job may be there to take; another link may take it first.</summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _fifo.Reader.WaitToReadAsync(cancellationToken);

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
    /// write instead of being woken, and writing, once per job. They go through the ranked heap whatever their
    /// priority: it keeps them in order with the channel's jobs (by ready time), and lets one wake-up stand for all.
    /// </summary>
    public void AddMany(ReadOnlySpan<PendingJob<TJob, TResult>> jobs)
    {
        if (jobs.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            foreach (PendingJob<TJob, TResult> job in jobs)
            {
                _ranked.Enqueue(job, (Key(job), job.Sequence));
            }

            _rankedCount = _ranked.Count;
        }

        _fifo.Writer.TryWrite(null);
    }

    /// <summary>Takes the job that should run next, if any waits; the caller must still win it from a cancellation.</summary>
    public bool TryTake([NotNullWhen(true)] out PendingJob<TJob, TResult>? job)
    {
        while (_rankedCount == 0)
        {
            if (!_fifo.Reader.TryRead(out job))
            {
                return false;
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
