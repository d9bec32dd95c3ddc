using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Queue;

/// <summary>
/// The in-memory queue of one pool, as the links see it through <see cref="IJobDispatcher"/>: the jobs waiting, and
/// what becomes of a leased job — its outcome, a hand-back, a retry or a loss — decided here, in one place.
/// </summary>
/// <remarks>
/// The waiting jobs are an unbounded channel (capacity is enforced at admission). A link waiting for a job resumes on
/// the putting thread and writes the job there: no hop to the thread pool between a put and the wire. Nothing
/// enqueues while holding a lock, so running a link's pump inline is safe.
/// </remarks>
internal sealed class JobQueue<TJob, TResult> : IJobDispatcher
{
    private readonly Channel<PendingJob<TJob, TResult>> _waiting = Channel.CreateUnbounded<PendingJob<TJob, TResult>>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = true,
    });

    private readonly QueueGate _gate;
    private readonly OutcomeLedger<TJob, TResult> _ledger;
    private readonly OutcomeMapper<TResult> _outcomes;
    private readonly WorkerLostPolicy _lostPolicy;
    private readonly ILogger _logger;

    // With prefetch a process holds jobs before it starts them: a job keeps its place until it starts (placesFreedAtStart),
    // so that the queue's capacity still bounds the jobs accepted and not started, wherever they wait.
    private readonly bool _placesFreedAtStart;

    public JobQueue(string poolName, QueueGate gate, OutcomeLedger<TJob, TResult> ledger, OutcomeMapper<TResult> outcomes, WorkerLostPolicy lostPolicy, bool placesFreedAtStart, ILogger logger)
    {
        _placesFreedAtStart = placesFreedAtStart;
        PoolName = poolName;
        _gate = gate;
        _ledger = ledger;
        _outcomes = outcomes;
        _lostPolicy = lostPolicy;
        _logger = logger;
    }

    public string PoolName { get; }

    public ValueTask<bool> WaitForJobAsync(CancellationToken cancellationToken) => _waiting.Reader.WaitToReadAsync(cancellationToken);

    public bool TryLease(ILeaseHolder holder, [NotNullWhen(true)] out IJobLease? lease)
    {
        while (_waiting.Reader.TryRead(out PendingJob<TJob, TResult>? job))
        {
            if (!_placesFreedAtStart)
            {
                ReleasePlace(job);
            }

            // A job canceled while it waited stays in the channel until taken: skip it.
            if (job.TryMarkLeased())
            {
                job.Holder = holder;
                _ledger.OnLeased();
                if (!_placesFreedAtStart)
                {
                    _ledger.OnRunning(); // it runs as soon as it arrives
                }

                lease = job;
                return true;
            }
        }

        lease = null;
        return false;
    }

    /// <summary>Reads when the job at the head of the line was accepted, without taking it.</summary>
    /// <remarks>The head may be a job canceled while it waited: it leaves the line only when a link next takes a job.</remarks>
    public bool TryPeekHead(out DateTimeOffset acceptedAt)
    {
        if (_waiting.Reader.TryPeek(out PendingJob<TJob, TResult>? head))
        {
            acceptedAt = head.EnqueuedAt;
            return true;
        }

        acceptedAt = default;
        return false;
    }

    public void ReportFailed(string reason)
    {
        _gate.Fail(reason);
        FailWaiting(reason);
    }

    public void ReportRecovered() => _gate.Recover();

    /// <summary>Adds an accepted job; then makes sure a stop or failure that emptied the queue meanwhile reaches it too.</summary>
    public void Enqueue(PendingJob<TJob, TResult> job)
    {
        _waiting.Writer.TryWrite(job);
        if (_gate.State == MpmsPoolState.Stopped)
        {
            CancelWaiting("the pool stopped");
        }
        else if (_gate.Failure is { } failure)
        {
            FailWaiting(failure);
        }
    }

    /// <summary>
    /// Leases an accepted job to a forwarder at once (a broker): it never waits in this queue. Its place in the queue is
    /// kept until its outcome comes back, so that the queue's capacity bounds the jobs this host has out.
    /// </summary>
    public void LeaseToForwarder(PendingJob<TJob, TResult> job, IJobForwarder forwarder)
    {
        if (!job.TryMarkLeased())
        {
            return;
        }

        job.Holder = forwarder;
        _ledger.OnLeased();
        if (!_placesFreedAtStart)
        {
            _ledger.OnRunning();
        }
    }

    /// <summary>Ends every waiting job as canceled: the pool stopped before it could run them.</summary>
    public void CancelWaiting(string reason)
    {
        while (_waiting.Reader.TryRead(out PendingJob<TJob, TResult>? job))
        {
            ReleasePlace(job);
            Finish(job, Outcome<TResult>.Canceled($"The job never ran: {reason}."));
        }
    }

    /// <summary>Puts a leased job back in the queue: handed back unstarted, or retried after its process was lost.</summary>
    public void Requeue(PendingJob<TJob, TResult> job, bool newAttempt)
    {
        bool wasRunning = IsRunning(job);
        if (!job.TryMarkRequeued())
        {
            return;
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

        // Canceled while a process held it, and it never started there: it never runs.
        if (job.CancelRequested)
        {
            Finish(job, Outcome<TResult>.Canceled("The job was canceled before it started.", job.CancelToken));
        }
        else if (_gate.State == MpmsPoolState.Stopped)
        {
            Finish(job, Outcome<TResult>.Canceled("The job never ran: the pool stopped."));
        }
        else if (_gate.Failure is { } failure)
        {
            Finish(job, Outcome<TResult>.PoolFailed(failure));
        }
        else
        {
            _waiting.Writer.TryWrite(job);
        }
    }

    /// <summary>The caller canceled: a waiting job ends now; a leased one is canceled in its worker process.</summary>
    public void Cancel(PendingJob<TJob, TResult> job)
    {
        if (job.TryMarkCanceledWhileQueued())
        {
            // Its place goes back now: the dead entry leaves the channel only when a link next takes from it.
            ReleasePlace(job);
            _ledger.Record(job, Outcome<TResult>.Canceled("The job was canceled before it started.", job.CancelToken), wasLeased: false, wasRunning: false);
        }
        else if (!job.IsDone)
        {
            job.Holder?.Cancel(job);
        }
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

    public void Complete(PendingJob<TJob, TResult> job, in ResultFrame result, int processId, string? threadName) =>
        Finish(job, _outcomes.FromResult(result, job, processId, threadName, job.CancelToken));

    public void TimeOut(PendingJob<TJob, TResult> job, TimeSpan ranFor, string processName, int processId) =>
        Finish(job, OutcomeMapper<TResult>.TimedOut(ranFor, processName, processId));

    public void Lose(PendingJob<TJob, TResult> job, WorkerLoss loss, LastSeenRunning? lastSeen)
    {
        switch (_lostPolicy.Decide(job.Started, job.Attempt, job.CancelRequested))
        {
            case LostJobFate.HandBack:
                Requeue(job, newAttempt: false);
                break;
            case LostJobFate.Retry:
                PoolLog.JobRetried(_logger, PoolName, job.JobId, loss.ProcessName, job.Attempt + 1, loss.Describe());
                Requeue(job, newAttempt: true);
                break;
            default:
                Finish(job, OutcomeMapper<TResult>.Lost(loss, lastSeen));
                break;
        }
    }

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

    // Running means sent to a process that runs it at once, or, with prefetch, started there; held ahead is waiting.
    private bool IsRunning(PendingJob<TJob, TResult> job) => !_placesFreedAtStart || job.Started;

    private void FailWaiting(string reason)
    {
        while (_waiting.Reader.TryRead(out PendingJob<TJob, TResult>? job))
        {
            ReleasePlace(job);
            Finish(job, Outcome<TResult>.PoolFailed(reason));
        }
    }

    /// <summary>
    /// Gives a job's place in the queue back as it leaves the waiting line — unless outcomes are buffered for a consumer:
    /// then the place is kept until the consumer has taken the job's outcome, so a slow consumer slows puts down instead
    /// of letting outcomes pile up (see <see cref="OutcomeLedger{TJob, TResult}.HoldsPlacesUntilConsumed"/>).
    /// </summary>
    private void ReleasePlace(PendingJob<TJob, TResult> job)
    {
        if (!_ledger.HoldsPlacesUntilConsumed && job.TryReleasePlace())
        {
            _gate.ReleasePlace();
        }
    }
}
