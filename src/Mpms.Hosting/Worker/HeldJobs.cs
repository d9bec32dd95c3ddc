using System.Collections.Concurrent;
using System.Threading.Channels;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker;

/// <summary>
/// The jobs a worker process holds, from the frame that brought each one to the frame that ends it: its outcome, or
/// its hand-back to the application. Every job that ends frees a place in the <see cref="CreditLedger"/>, and the
/// credit that frees is written with the frame that ended it.
/// </summary>
internal sealed class HeldJobs
{
    private readonly ConcurrentDictionary<long, WorkerJob> _bySequence = new();
    private readonly Channel<WorkerJob> _queue = Channel.CreateUnbounded<WorkerJob>();
    private readonly CreditLedger _ledger;
    private readonly FrameOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _arrivals;

    public HeldJobs(CreditLedger ledger, FrameOutbox outbox, TimeProvider time, ILogger logger)
    {
        _ledger = ledger;
        _outbox = outbox;
        _time = time;
        _logger = logger;
    }

    /// <summary>Gets the jobs no thread has taken yet, in the order they arrived.</summary>
    public ChannelReader<WorkerJob> Queue => _queue.Reader;

    /// <summary>Gets a snapshot of every job held now, queued or running.</summary>
    public IEnumerable<WorkerJob> All => _bySequence.Values;

    /// <summary>Gets how many jobs the process received so far.</summary>
    public long Arrivals => Volatile.Read(ref _arrivals);

    /// <summary>Gets a value indicating whether the process holds any job now, queued or running.</summary>
    public bool IsEmpty => _bySequence.IsEmpty;

    /// <summary>Takes a job the application sent: queues it for a thread, or hands it back when the process cannot run it.</summary>
    /// <returns><see langword="false"/> when the application had no credit to send it; nothing is held then.</returns>
    public bool TryReceive(WorkerJob job)
    {
        Interlocked.Increment(ref _arrivals);
        JobArrival arrival = _ledger.OnJobArrived();
        if (arrival == JobArrival.WithoutCredit)
        {
            return false;
        }

        _bySequence[job.Sequence] = job;
        if (arrival == JobArrival.HandBack || !_queue.Writer.TryWrite(job))
        {
            // The application gives it to a process with room for it.
            GiveBack(job);
        }

        return true;
    }

    /// <summary>
    /// Cancels a job for the application: one that has not started ends <see cref="WireStatus.Canceled"/> here; a running
    /// one has its token signalled, and its thread reports how it ended.
    /// </summary>
    public void Cancel(long sequence)
    {
        if (!_bySequence.TryGetValue(sequence, out WorkerJob? job))
        {
            return; // finished already
        }

        job.SetCancelReason(CancelReason.Canceled);
        if (job.TryWithdraw())
        {
            var error = new WireError(typeof(OperationCanceledException).FullName!, "The job was canceled before it started.", null, null);
            WriteOutcome(job, ResultFrame.Failure(sequence, WireStatus.Canceled, 0, 0, _time.GetUtcNow().UtcTicks, error));
            job.ReleasePayload();
            OnJobEnded();
        }
        else
        {
            job.SignalCancel(_logger);
        }
    }

    /// <summary>
    /// Puts a job a thread took but will not run back in the queue, for a sibling thread; or, when the process has no
    /// room for it (it leaves, or its threads are all busy and there is no prefetch), back to the application.
    /// </summary>
    public void PutBack(WorkerJob job)
    {
        // Should the process start leaving right after, its last pass over the queue hands the job back.
        if (!_ledger.CanKeepAnother() || !_queue.Writer.TryWrite(job))
        {
            GiveBack(job);
        }
    }

    /// <summary>Hands a job that has not started back to the application's queue; the next process runs it as the same attempt.</summary>
    public void GiveBack(WorkerJob job) => TryHandBack(job, flush: true);

    /// <summary>
    /// Hands back up to <paramref name="count"/> jobs no thread has taken, oldest first, for a process of the pool that
    /// has an idle thread; then says how many, so the application knows the reclaim is answered. A job a thread took is
    /// not in the queue any more: it runs here, never twice.
    /// </summary>
    public void Reclaim(int count)
    {
        int returned = 0;
        while (returned < count && _queue.Reader.TryRead(out WorkerJob? job))
        {
            // A job canceled while queued is done already: it does not count.
            if (TryHandBack(job, flush: false))
            {
                returned++;
            }
        }

        _outbox.Enqueue(SmallFrames.Reclaimed(returned));
        _outbox.Flush();
    }

    /// <summary>Hands every job still queued back to the application.</summary>
    public void ReturnUnstarted()
    {
        while (_queue.Reader.TryRead(out WorkerJob? job))
        {
            GiveBack(job);
        }
    }

    /// <summary>
    /// Enqueues the outcome of a job the caller finished (its <see cref="WorkerJob.TryFinish"/> or
    /// <see cref="WorkerJob.TryWithdraw"/> succeeded); the job is no longer held. Call <see cref="OnJobEnded"/> next.
    /// </summary>
    /// <returns>Where the outcome ends in the link's stream (see <see cref="FrameOutbox.WaitWrittenAsync"/>); 0 when the link is gone.</returns>
    public long WriteOutcome(WorkerJob job, in ResultFrame outcome)
    {
        _bySequence.TryRemove(job.Sequence, out _);
        _outbox.Enqueue(outcome, out long end);
        return end;
    }

    /// <summary>
    /// A job left the process (its outcome or hand-back is enqueued): asks for the next one in the same write.
    /// </summary>
    /// <param name="flush">
    /// <see langword="false"/> for a worker thread's result: the thread writes it before it waits, or together with its
    /// next job's start.
    /// </param>
    public void OnJobEnded(bool flush = true)
    {
        int grant = _ledger.OnJobEnded();
        if (grant > 0)
        {
            _outbox.Enqueue(SmallFrames.Credit(grant));
        }

        if (flush)
        {
            _outbox.Flush();
        }
    }

    private bool TryHandBack(WorkerJob job, bool flush)
    {
        if (!job.TryWithdraw())
        {
            return false;
        }

        _bySequence.TryRemove(job.Sequence, out _);
        job.ReleasePayload();
        _outbox.Enqueue(SmallFrames.Returned(job.Sequence));
        OnJobEnded(flush);
        return true;
    }
}
