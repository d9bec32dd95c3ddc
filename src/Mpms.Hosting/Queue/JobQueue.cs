using System.Buffers;
using System.Diagnostics.CodeAnalysis;
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
/// The waiting jobs are a <see cref="WaitingLine{TJob, TResult}"/> (capacity is enforced at admission). A link waiting
/// for a job resumes on the putting thread and writes the job there: no hop to the thread pool between a put and the
/// wire. Nothing enqueues while holding a lock, so running a link's pump inline is safe. Jobs that wait for their time
/// (put with a delay, or waiting to be retried) are in <see cref="JobSchedule{T}"/> until then.
/// </remarks>
internal sealed class JobQueue<TJob, TResult> : IJobDispatcher, IDisposable
{
    private readonly WaitingLine<TJob, TResult> _waiting;
    private readonly JobSchedule<PendingJob<TJob, TResult>> _schedule;
    private readonly FailedAttempts _failedAttempts;
    private readonly TimeProvider _time;
    private readonly QueueGate _gate;
    private readonly OutcomeLedger<TJob, TResult> _ledger;
    private readonly OutcomeMapper<TResult> _outcomes;
    private readonly WorkerLostPolicy _lostPolicy;
    private readonly ILogger _logger;

    // With prefetch a process holds jobs before it starts them: a job keeps its place until it starts (placesFreedAtStart),
    // so that the queue's capacity still bounds the jobs accepted and not started, wherever they wait.
    private readonly bool _placesFreedAtStart;

    public JobQueue(string poolName, QueueGate gate, OutcomeLedger<TJob, TResult> ledger, OutcomeMapper<TResult> outcomes, WorkerLostPolicy lostPolicy, RetryPolicy retry, TimeSpan agingInterval, TimeProvider time, bool placesFreedAtStart, ILogger logger)
    {
        _waiting = new WaitingLine<TJob, TResult>(agingInterval);
        _schedule = new JobSchedule<PendingJob<TJob, TResult>>(time, OnDue);
        _failedAttempts = new FailedAttempts(poolName, retry, logger);
        _time = time;
        _placesFreedAtStart = placesFreedAtStart;
        PoolName = poolName;
        _gate = gate;
        _ledger = ledger;
        _outcomes = outcomes;
        _lostPolicy = lostPolicy;
        _logger = logger;
    }

    public string PoolName { get; }

    /// <summary>Gets the pool's serializer, for the progress of its jobs.</summary>
    public IMpmsSerializer Serializer => _outcomes.Serializer;

    /// <summary>Gets how many jobs wait for their time: put with a delay, or waiting to be retried.</summary>
    public int ScheduledCount => _schedule.Count;

    public ValueTask<bool> WaitForJobAsync(CancellationToken cancellationToken) => _waiting.WaitAsync(cancellationToken);

    public bool TryLease(ILeaseHolder holder, [NotNullWhen(true)] out IJobLease? lease)
    {
        while (_waiting.TryTake(out PendingJob<TJob, TResult>? job))
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

    /// <summary>Reads when the job that has waited longest in the line became ready to run, without taking it.</summary>
    /// <remarks>It may be a job canceled while it waited: it leaves the line only when a link next takes a job.</remarks>
    public bool TryPeekHead(out DateTimeOffset acceptedAt) => _waiting.TryPeekOldest(out acceptedAt);

    public void ReportFailed(string reason)
    {
        _gate.Fail(reason);
        FailWaiting(reason);
    }

    public void ReportRecovered() => _gate.Recover();

    /// <summary>Adds an accepted job; then makes sure a stop or failure that emptied the queue meanwhile reaches it too.</summary>
    public void Enqueue(PendingJob<TJob, TResult> job)
    {
        _waiting.Add(job);
        if (_gate.State == MpmsPoolState.Stopped)
        {
            CancelWaiting("the pool stopped");
        }
        else if (_gate.Failure is { } failure)
        {
            FailWaiting(failure);
        }
    }

    /// <summary>Adds a burst of accepted jobs with one wake-up of the links (see <see cref="WaitingLine{TJob, TResult}.AddMany"/>).</summary>
    public void EnqueueMany(ReadOnlySpan<PendingJob<TJob, TResult>> jobs)
    {
        _waiting.AddMany(jobs);
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
        CancelScheduled(reason);
        EndWaiting(Outcome<TResult>.Canceled($"The job never ran: {reason}."));
    }

    /// <summary>
    /// Ends every job that waits for its time as canceled, and takes no more: the pool is stopping. A job whose worker
    /// throws after this is not retried.
    /// </summary>
    public void CancelScheduled(string reason)
    {
        List<PendingJob<TJob, TResult>> left = _schedule.Close();
        int canceled = 0;
        foreach (PendingJob<TJob, TResult> job in left)
        {
            if (Finish(job, Outcome<TResult>.Canceled($"The job did not run: {reason} while it waited for its time (a delay or a retry).")))
            {
                canceled++;
            }
        }

        if (canceled > 0)
        {
            JobLog.ScheduledCanceled(_logger, PoolName, canceled, reason);
        }
    }

    /// <summary>Adds an accepted job that may run at <paramref name="runAt"/>, not before.</summary>
    public void Schedule(PendingJob<TJob, TResult> job, DateTimeOffset runAt)
    {
        job.ReadyAt = runAt;
        if (!_schedule.TryAdd(job, runAt))
        {
            Finish(job, Outcome<TResult>.Canceled("The job did not run: the pool is stopping, and it would have waited for its time (a delay or a retry)."));
        }
    }

    /// <summary>Puts a leased job back in the queue: handed back unstarted, or retried after its process was lost.</summary>
    public void Requeue(PendingJob<TJob, TResult> job, bool newAttempt) => Requeue(job, newAttempt, runAt: null);

    /// <summary>Puts a leased job back in the queue, at once or, for a retry after a delay, at <paramref name="runAt"/>.</summary>
    private void Requeue(PendingJob<TJob, TResult> job, bool newAttempt, DateTimeOffset? runAt)
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
        else if (runAt is { } at)
        {
            Schedule(job, at);
        }
        else
        {
            _waiting.Add(job);
        }
    }

    /// <summary>The caller canceled: a waiting job ends now; a leased one is canceled in its worker process.</summary>
    public void Cancel(PendingJob<TJob, TResult> job)
    {
        if (job.TryMarkCanceledWhileQueued())
        {
            // Its place goes back now: the dead entry leaves the channel only when a link next takes from it.
            ReleasePlace(job);
            _schedule.Remove(job);
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

    public void Complete(PendingJob<TJob, TResult> job, in ResultFrame result, int processId, string? threadName)
    {
        Outcome<TResult> outcome = _outcomes.FromResult(result, job, processId, threadName, job.CancelToken);

        // A forwarded job's retries were decided on the host that ran it: what comes back is its last attempt.
        if (outcome.Status == MpmsJobStatus.Failed && outcome.Exception is MpmsWorkerException failure && job.Holder is not IJobForwarder && TryRetry(job, failure))
        {
            return;
        }

        Finish(job, outcome);
    }

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

    /// <summary>A worker thread reported the progress of a job it runs: it becomes the job's latest, unless the job has ended.</summary>
    public void OnProgress(PendingJob<TJob, TResult> job, in ReadOnlySequence<byte> value)
    {
        if (job.IsDone)
        {
            return;
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            ProgressLog.ProgressReceived(_logger, PoolName, job.JobId, value.Length);
        }

        job.ProgressState.Publish(value);
    }

    /// <summary>An <see cref="IProgress{T}"/> attached to a job's handle failed, and its subscription ended.</summary>
    public void OnProgressFailed(PendingJob<TJob, TResult> job, Exception exception) =>
        ProgressLog.ProgressSubscriberFailed(_logger, PoolName, job.JobId, exception);

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

    public void Dispose() => _schedule.Dispose();

    /// <summary>Sends a failed attempt back to the queue if its retry policy says so, after its delay.</summary>
    /// <returns><see langword="true"/> when the job runs again; <see langword="false"/> when the failure is its outcome.</returns>
    private bool TryRetry(PendingJob<TJob, TResult> job, MpmsWorkerException failure)
    {
        if (_failedAttempts.RetryDelay(job.JobId, job.Attempt, job.CancelRequested, job.PutOptions?.Retry, failure) is not TimeSpan delay)
        {
            return false;
        }

        Requeue(job, newAttempt: true, delay > TimeSpan.Zero ? _time.GetUtcNow() + delay : null);
        return true;
    }

    /// <summary>A job's time has come: it joins the waiting line, unless it was canceled meanwhile.</summary>
    private void OnDue(PendingJob<TJob, TResult> job)
    {
        if (!job.IsDone)
        {
            Enqueue(job);
        }
    }

    private void FailWaiting(string reason) => EndWaiting(Outcome<TResult>.PoolFailed(reason));

    /// <summary>Ends every job in the waiting line with <paramref name="outcome"/>.</summary>
    private void EndWaiting(in Outcome<TResult> outcome)
    {
        while (_waiting.TryTake(out PendingJob<TJob, TResult>? job))
        {
            ReleasePlace(job);
            Finish(job, outcome);
        }
    }

    /// <summary>
    /// Gives a job's place in the queue back as it leaves the waiting line — unless outcomes are buffered for a consumer:
    /// then the place is kept until the consumer has taken the job's outcome, so a slow consumer slows puts down instead
    /// of letting outcomes pile up (see <see cref="OutcomeLedger{TJob, TResult}.HoldsPlacesUntilConsumed"/>).
    /// </summary>
    private void ReleasePlace(PendingJob<TJob, TResult> job)
    {
        if (!_ledger.HoldsPlacesUntilConsumed)
        {
            _gate.Places.Release(job.TryReleasePlace());
        }
    }
}
