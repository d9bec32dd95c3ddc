using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Queue;

/// <summary>
/// The in-memory queue of one pool, as the links see it through <see cref="IJobDispatcher"/>: jobs are leased from
/// here, and what becomes of a leased job — its outcome, a hand-back, a retry or a loss — is decided here, in one place.
/// </summary>
/// <remarks>
/// The jobs wait in <see cref="QueuedJobs{TJob, TResult}"/> (capacity is enforced at admission); the places and counts
/// that follow each of a job's moves are kept by <see cref="JobTransitions{TJob, TResult}"/>. A link waiting for a job
/// resumes on the putting thread and writes the job there: no hop to the thread pool between a put and the wire.
/// Nothing enqueues while holding a lock, so running a link's pump inline is safe.
/// </remarks>
internal sealed class JobQueue<TJob, TResult> : IJobDispatcher, IDisposable
{
    private readonly QueuedJobs<TJob, TResult> _waiting;
    private readonly JobTransitions<TJob, TResult> _transitions;
    private readonly FailedAttempts _failedAttempts;
    private readonly TimeProvider _time;
    private readonly QueueGate _gate;
    private readonly OutcomeMapper<TResult> _outcomes;
    private readonly WorkerLostPolicy _lostPolicy;
    private readonly ILogger _logger;

    public JobQueue(string poolName, QueueGate gate, OutcomeLedger<TJob, TResult> ledger, OutcomeMapper<TResult> outcomes, WorkerLostPolicy lostPolicy, RetryPolicy retry, TimeSpan agingInterval, TimeProvider time, bool placesFreedAtStart, ILogger logger)
    {
        _transitions = new JobTransitions<TJob, TResult>(gate, ledger, placesFreedAtStart);
        _waiting = new QueuedJobs<TJob, TResult>(poolName, gate, _transitions, agingInterval, time, logger);
        _failedAttempts = new FailedAttempts(poolName, retry, logger);
        _time = time;
        PoolName = poolName;
        _gate = gate;
        _outcomes = outcomes;
        _lostPolicy = lostPolicy;
        _logger = logger;
    }

    public string PoolName { get; }

    /// <summary>Gets the pool's serializer, for the progress of its jobs.</summary>
    public IMpmsSerializer Serializer => _outcomes.Serializer;

    /// <summary>Gets how many jobs wait for their time: put with a delay, or waiting to be retried.</summary>
    public int ScheduledCount => _waiting.ScheduledCount;

    public ValueTask<bool> WaitForJobAsync(CancellationToken cancellationToken) => _waiting.WaitAsync(cancellationToken);

    public bool TryLease(ILeaseHolder holder, [NotNullWhen(true)] out IJobLease? lease)
    {
        while (_waiting.TryTake(out PendingJob<TJob, TResult>? job))
        {
            _transitions.OnTakenForLink(job);

            // A job canceled while it waited stays in the channel until taken: skip it.
            if (_transitions.TryLease(job, holder))
            {
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
        _waiting.FailAll(reason);
    }

    public void ReportRecovered() => _gate.Recover();

    /// <inheritdoc cref="QueuedJobs{TJob, TResult}.Add"/>
    public void Enqueue(PendingJob<TJob, TResult> job) => _waiting.Add(job);

    /// <inheritdoc cref="QueuedJobs{TJob, TResult}.AddMany"/>
    public void EnqueueMany(ReadOnlySpan<PendingJob<TJob, TResult>> jobs) => _waiting.AddMany(jobs);

    /// <summary>
    /// Leases an accepted job to a forwarder at once (a broker): it never waits in this queue. Its place in the queue is
    /// kept until its outcome comes back, so that the queue's capacity bounds the jobs this host has out.
    /// </summary>
    public void LeaseToForwarder(PendingJob<TJob, TResult> job, IJobForwarder forwarder) => _transitions.TryLease(job, forwarder);

    /// <inheritdoc cref="QueuedJobs{TJob, TResult}.CancelAll"/>
    public void CancelWaiting(string reason) => _waiting.CancelAll(reason);

    /// <inheritdoc cref="QueuedJobs{TJob, TResult}.CancelScheduled"/>
    public void CancelScheduled(string reason) => _waiting.CancelScheduled(reason);

    /// <inheritdoc cref="QueuedJobs{TJob, TResult}.Schedule"/>
    public void Schedule(PendingJob<TJob, TResult> job, DateTimeOffset runAt) => _waiting.Schedule(job, runAt);

    /// <summary>Puts a leased job back in the queue: handed back unstarted, or retried after its process was lost.</summary>
    public void Requeue(PendingJob<TJob, TResult> job, bool newAttempt) => Requeue(job, newAttempt, runAt: null);

    /// <summary>The caller canceled: a waiting job ends now; a leased one is canceled in its worker process.</summary>
    public void Cancel(PendingJob<TJob, TResult> job)
    {
        if (job.TryMarkCanceledWhileQueued())
        {
            // Its place goes back now: the dead entry leaves the channel only when a link next takes from it.
            _transitions.ReleasePlace(job);
            _waiting.Unschedule(job);
            _transitions.RecordCanceledWhileQueued(job);
        }
        else if (!job.IsDone)
        {
            job.Holder?.Cancel(job);
        }
    }

    /// <inheritdoc cref="JobTransitions{TJob, TResult}.OnStarted"/>
    public void OnStarted(PendingJob<TJob, TResult> job) => _transitions.OnStarted(job);

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

    /// <inheritdoc cref="JobTransitions{TJob, TResult}.Finish"/>
    public bool Finish(PendingJob<TJob, TResult> job, in Outcome<TResult> outcome) => _transitions.Finish(job, outcome);

    public void Dispose() => _waiting.Dispose();

    /// <summary>Puts a leased job back in the queue, at once or, for a retry after a delay, at <paramref name="runAt"/>.</summary>
    private void Requeue(PendingJob<TJob, TResult> job, bool newAttempt, DateTimeOffset? runAt)
    {
        if (!_transitions.TryReturn(job, newAttempt))
        {
            return;
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
            _waiting.Schedule(job, at);
        }
        else
        {
            _waiting.Return(job);
        }
    }

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
}
