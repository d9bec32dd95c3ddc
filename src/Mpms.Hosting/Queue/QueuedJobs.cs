using System.Diagnostics.CodeAnalysis;
using Mpms.Hosting.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Where a pool's accepted jobs wait: the line of jobs that may run now (<see cref="WaitingLine{TJob, TResult}"/>) and
/// the schedule of those waiting for their time (<see cref="JobSchedule{T}"/>: put with a delay, or waiting to be
/// retried); and the sweeps that end them all when the pool stops or fails.
/// </summary>
internal sealed class QueuedJobs<TJob, TResult> : IDisposable
{
    private readonly WaitingLine<TJob, TResult> _line;
    private readonly JobSchedule<PendingJob<TJob, TResult>> _schedule;
    private readonly QueueGate _gate;
    private readonly JobTransitions<TJob, TResult> _transitions;
    private readonly string _poolName;
    private readonly ILogger _logger;

    public QueuedJobs(string poolName, QueueGate gate, JobTransitions<TJob, TResult> transitions, TimeSpan agingInterval, TimeProvider time, ILogger logger)
    {
        _line = new WaitingLine<TJob, TResult>(agingInterval);
        _schedule = new JobSchedule<PendingJob<TJob, TResult>>(time, OnDue);
        _poolName = poolName;
        _gate = gate;
        _transitions = transitions;
        _logger = logger;
    }

    /// <summary>Gets how many jobs wait for their time.</summary>
    public int ScheduledCount => _schedule.Count;

    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _line.WaitAsync(cancellationToken);

    public bool TryTake([NotNullWhen(true)] out PendingJob<TJob, TResult>? job) => _line.TryTake(out job);

    /// <inheritdoc cref="WaitingLine{TJob, TResult}.TryPeekOldest"/>
    public bool TryPeekOldest(out DateTimeOffset acceptedAt) => _line.TryPeekOldest(out acceptedAt);

    /// <summary>Adds an accepted job; then makes sure a stop or failure that emptied the queue meanwhile reaches it too.</summary>
    public void Add(PendingJob<TJob, TResult> job)
    {
        _line.Add(job);
        SweepIfEnded();
    }

    /// <summary>Adds a burst of accepted jobs with one wake-up of the links (see <see cref="WaitingLine{TJob, TResult}.AddMany"/>).</summary>
    public void AddMany(ReadOnlySpan<PendingJob<TJob, TResult>> jobs)
    {
        _line.AddMany(jobs);
        SweepIfEnded();
    }

    /// <summary>Puts back a job whose lease ended, once the caller has seen that the pool neither stopped nor failed.</summary>
    public void Return(PendingJob<TJob, TResult> job) => _line.Add(job);

    /// <summary>Adds an accepted job that may run at <paramref name="runAt"/>, not before.</summary>
    public void Schedule(PendingJob<TJob, TResult> job, DateTimeOffset runAt)
    {
        job.ReadyAt = runAt;
        if (!_schedule.TryAdd(job, runAt))
        {
            _transitions.Finish(job, Outcome<TResult>.Canceled("The job did not run: the pool is stopping, and it would have waited for its time (a delay or a retry)."));
        }
    }

    /// <summary>Takes a canceled job off the schedule, if it waited there.</summary>
    public void Unschedule(PendingJob<TJob, TResult> job) => _schedule.Remove(job);

    /// <summary>Ends every waiting job as canceled: the pool stopped before it could run them.</summary>
    public void CancelAll(string reason)
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
            if (_transitions.Finish(job, Outcome<TResult>.Canceled($"The job did not run: {reason} while it waited for its time (a delay or a retry).")))
            {
                canceled++;
            }
        }

        if (canceled > 0)
        {
            JobLog.ScheduledCanceled(_logger, _poolName, canceled, reason);
        }
    }

    /// <summary>Ends every job in the waiting line as failed with the pool's failure.</summary>
    public void FailAll(string reason) => EndWaiting(Outcome<TResult>.PoolFailed(reason));

    public void Dispose() => _schedule.Dispose();

    private void SweepIfEnded()
    {
        if (_gate.State == MpmsPoolState.Stopped)
        {
            CancelAll("the pool stopped");
        }
        else if (_gate.Failure is { } failure)
        {
            FailAll(failure);
        }
    }

    /// <summary>A job's time has come: it joins the waiting line, unless it was canceled meanwhile.</summary>
    private void OnDue(PendingJob<TJob, TResult> job)
    {
        if (!job.IsDone)
        {
            Add(job);
        }
    }

    /// <summary>Ends every job in the waiting line with <paramref name="outcome"/>.</summary>
    private void EndWaiting(in Outcome<TResult> outcome)
    {
        while (_line.TryTake(out PendingJob<TJob, TResult>? job))
        {
            _transitions.ReleasePlace(job);
            _transitions.Finish(job, outcome);
        }
    }
}
