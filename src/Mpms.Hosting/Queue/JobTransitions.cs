using Mpms.Hosting.Dispatch;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Keeps the queue's places and the ledger's counts in step with a job's moves: leased, started, returned to the queue,
/// done.
/// </summary>
/// <remarks>
/// Each move is a compare-and-swap on the job (<see cref="PendingJob{TJob, TResult}"/>), and only the call that wins it
/// moves a place or a count, so a result, a loss and a cancellation that race count a job once.
/// </remarks>
internal sealed class JobTransitions<TJob, TResult>
{
    private readonly QueueGate _gate;
    private readonly OutcomeLedger<TJob, TResult> _ledger;

    // With prefetch a process holds jobs before it starts them: a job keeps its place until it starts (placesFreedAtStart),
    // so that the queue's capacity still bounds the jobs accepted and not started, wherever they wait.
    private readonly bool _placesFreedAtStart;

    public JobTransitions(QueueGate gate, OutcomeLedger<TJob, TResult> ledger, bool placesFreedAtStart)
    {
        _gate = gate;
        _ledger = ledger;
        _placesFreedAtStart = placesFreedAtStart;
    }

    /// <summary>A link took the job from the waiting line: without prefetch it runs as soon as it arrives, so its place is free.</summary>
    public void OnTakenForLink(PendingJob<TJob, TResult> job)
    {
        if (!_placesFreedAtStart)
        {
            ReleasePlace(job);
        }
    }

    /// <summary>Leases the job to <paramref name="holder"/>, unless it was canceled while it waited.</summary>
    /// <returns><see langword="true"/> when the job is now leased.</returns>
    public bool TryLease(PendingJob<TJob, TResult> job, ILeaseHolder holder)
    {
        if (!job.TryMarkLeased())
        {
            return false;
        }

        job.Holder = holder;
        _ledger.OnLeased();
        if (!_placesFreedAtStart)
        {
            _ledger.OnRunning(); // it runs as soon as it arrives
        }

        return true;
    }

    /// <summary>A worker thread started a job its process held ahead: its place in the queue is free, and it runs.</summary>
    public void OnStarted(PendingJob<TJob, TResult> job)
    {
        ReleasePlace(job);
        if (_placesFreedAtStart)
        {
            _ledger.OnRunning();
        }
    }

    /// <summary>Ends a job's lease so that it can wait again, one attempt more if <paramref name="newAttempt"/>.</summary>
    /// <returns><see langword="false"/> when the lease had already ended: the job goes nowhere.</returns>
    public bool TryReturn(PendingJob<TJob, TResult> job, bool newAttempt)
    {
        bool wasRunning = IsRunning(job);
        if (!job.TryMarkRequeued())
        {
            return false;
        }

        _ledger.OnLeaseReturned();
        if (wasRunning)
        {
            _ledger.OnNoLongerRunning();
        }

        if (newAttempt)
        {
            job.Attempt++;
        }

        return true;
    }

    /// <summary>Records the outcome of a job that <see cref="PendingJob{TJob, TResult}.TryMarkCanceledWhileQueued"/> canceled.</summary>
    public void RecordCanceledWhileQueued(PendingJob<TJob, TResult> job) =>
        _ledger.Record(job, Outcome<TResult>.Canceled("The job was canceled before it started.", job.CancelToken), wasLeased: false, wasRunning: false);

    /// <summary>Gives a job its outcome, unless it already has one.</summary>
    /// <returns><see langword="true"/> when this call decided the outcome.</returns>
    public bool Finish(PendingJob<TJob, TResult> job, in Outcome<TResult> outcome)
    {
        bool wasRunning = IsRunning(job);
        if (!job.TryMarkDone(outcome.Status, out bool wasLeased))
        {
            return false;
        }

        // A job that ends without having started (canceled or lost while held ahead) frees its place now.
        ReleasePlace(job);
        _ledger.Record(job, outcome, wasLeased, wasLeased && wasRunning);
        return true;
    }

    /// <summary>
    /// Gives a job's place in the queue back as it leaves the waiting line — unless outcomes are buffered for a consumer:
    /// then the place is kept until the consumer has taken the job's outcome, so a slow consumer slows puts down instead
    /// of letting outcomes pile up (see <see cref="OutcomeLedger{TJob, TResult}.HoldsPlacesUntilConsumed"/>).
    /// </summary>
    public void ReleasePlace(PendingJob<TJob, TResult> job)
    {
        if (!_ledger.HoldsPlacesUntilConsumed)
        {
            _gate.Places.Release(job.TryReleasePlace());
        }
    }

    // Running means sent to a process that runs it at once, or, with prefetch, started there; held ahead is waiting.
    private bool IsRunning(PendingJob<TJob, TResult> job) => !_placesFreedAtStart || job.Started;
}
