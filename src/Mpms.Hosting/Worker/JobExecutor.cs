using System.Diagnostics;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Runs one job on the calling worker thread and reports its outcome, unless a cancel or the watchdog already did:
/// the job's token, its start mark (with prefetch), its activity, the mapping of how it ended to a result frame, and
/// the checks after it that make the process leave (a graceful-die exception, the memory limit), and its metrics.
/// </summary>
internal sealed class JobExecutor(
    WorkerSettings settings,
    MpmsProcessContext process,
    FrameOutbox outbox,
    HeldJobs jobs,
    LeaveCoordinator leave,
    JobProgressSender progress,
    TimeProvider time,
    ILogger logger,
    StartMarks? startMarks,
    WorkerTelemetry? telemetry = null)
{
    private readonly KeyValuePair<string, object?> _poolTag = new("mpms.pool", process.PoolName);

    /// <summary>Runs <paramref name="job"/> and enqueues its outcome with the credit it frees; the thread writes both.</summary>
    /// <param name="job">The job.</param>
    /// <param name="thread">The thread that runs it: the calling one.</param>
    /// <param name="threadContext">The thread's context, for the job's context.</param>
    /// <param name="invoker">The thread's worker.</param>
    /// <param name="lastForThread">
    /// The thread's last job (<see cref="WorkerSettings.MaxJobsPerThread"/>): the thread leaves the count of live threads
    /// once the job has run and before its result frees a credit, so that no job is asked for it, while its siblings
    /// are still asked jobs for as long as it runs.
    /// </param>
    public async Task ExecuteAsync(WorkerJob job, WorkerThread thread, MpmsThreadContext threadContext, IThreadJobInvoker invoker, bool lastForThread)
    {
        if (!job.TryStart())
        {
            return; // canceled before it started; the cancel already reported it
        }

        CancellationTokenSource cancellation = BeginRun(job, thread);

        // The thread's last result goes out now, not after this job; and the one before it must be out already, so that
        // a process killed now loses at most two jobs per thread: the one it runs, and one that has just ended (both
        // counted as started). The thread does not wait for its last result's write: that is what lets results of
        // several jobs and threads share one write.
        outbox.Flush();
        if (thread.EarlierResultEnd > 0)
        {
            Task written = outbox.WaitWrittenAsync(thread.EarlierResultEnd);
            if (!written.IsCompleted)
            {
                await written;
            }
        }

        // Before any of the job's code runs: should this process die from here on, the application counts the job as
        // started (it may have had effects), never as one to give to another process.
        startMarks?.Mark(job.Ordinal);

        PooledBufferWriter buffer = thread.ResultBuffer;
        buffer.Clear();
        using Activity? activity = StartActivity(job, thread);
        job.Activity = activity;
        WireStatus status = WireStatus.Succeeded;
        WireError? error = null;
        bool gracefulDie = false;
        try
        {
            await invoker.InvokeAsync(job.Payload, new MpmsJobContext(job, threadContext, progress), buffer, cancellation.Token);
            if (buffer.WrittenCount > settings.MaxMessageSize)
            {
                status = WireStatus.Failed;
                error = WireError.From(new MpmsSerializationException(
                    $"The result of job {job.JobId} is {buffer.WrittenCount} bytes serialised, more than MaxMessageSize ({settings.MaxMessageSize})."));
            }
        }
        catch (OperationCanceledException ex) when (job.CancelReason != CancelReason.None && cancellation.IsCancellationRequested)
        {
            (status, error) = Canceled(job.CancelReason, ex);
        }
        catch (Exception ex)
        {
            status = WireStatus.Failed;
            error = WireError.From(ex);
            gracefulDie = IsGracefulDie(ex);
        }

        if (error is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
        }

        telemetry?.JobExecuted(_poolTag, ToJobStatus(status), TimeSpan.FromTicks(time.GetUtcNow().UtcTicks - job.StartedTicks));

        if (lastForThread)
        {
            thread.Retire();
        }

        // Say that the process leaves before the result frees a credit, so that no job is sent for it.
        LeaveIfAsked(thread, gracefulDie ? error!.Type : null);

        // The job's last progress goes out before its outcome, so that a reader sees it.
        JobProgressSender.End(job);

        if (job.TryFinish())
        {
            long finished = time.GetUtcNow().UtcTicks;
            thread.OnResultEnqueued(jobs.WriteOutcome(job, error is null
                ? ResultFrame.Success(job.Sequence, thread.Number, job.StartedTicks, finished, buffer.WrittenMemory)
                : ResultFrame.Failure(job.Sequence, status, thread.Number, job.StartedTicks, finished, error.Truncate(64 * 1024))));
            jobs.OnJobEnded(flush: false); // the thread flushes before it waits, or with its next job's start
        }

        job.Activity = null;
        job.ReleasePayload();
    }

    /// <summary>Gives a job that its thread failed to finish (the runtime threw around it) a failed outcome, unless it has one.</summary>
    public void FailUnfinished(WorkerJob job, WorkerThread thread, Exception exception)
    {
        JobProgressSender.End(job);
        if (!job.TryFinish())
        {
            return;
        }

        var error = new WireError(exception.GetType().FullName ?? exception.GetType().Name, $"The worker runtime failed around the job: {exception.GetType().Name}.", null, null);
        jobs.WriteOutcome(job, ResultFrame.Failure(job.Sequence, WireStatus.Failed, thread.Number, job.StartedTicks, time.GetUtcNow().UtcTicks, error));
        jobs.OnJobEnded();
        job.ReleasePayload();
    }

    /// <summary>Records the start on the job and publishes its token; a cancel that came since the start signals it at once.</summary>
    private CancellationTokenSource BeginRun(WorkerJob job, WorkerThread thread)
    {
        var cancellation = new CancellationTokenSource();
        job.Thread = thread;
        job.StartedTicks = time.GetUtcNow().UtcTicks;
        if (settings.JobTimeout is TimeSpan timeout)
        {
            job.Deadline = time.GetTimestamp() + (long)(timeout.TotalSeconds * time.TimestampFrequency);
        }

        job.Cancellation = cancellation;
        if (job.CancelReason != CancelReason.None)
        {
            cancellation.Cancel();
        }

        return cancellation;
    }

    private (WireStatus Status, WireError Error) Canceled(CancelReason reason, OperationCanceledException ex) => reason == CancelReason.TimedOut
        ? (WireStatus.TimedOut, new WireError(typeof(MpmsJobTimeoutException).FullName!, $"The job ran past JobTimeout ({settings.JobTimeout!.Value.TotalSeconds:0.###} s) and stopped when its token was canceled.", ex.StackTrace, null))
        : (WireStatus.Canceled, new WireError(typeof(OperationCanceledException).FullName!, "The job was canceled while it ran.", ex.StackTrace, null));

    /// <summary>Makes the process leave after a graceful-die exception, or when it uses more memory than allowed.</summary>
    private void LeaveIfAsked(WorkerThread thread, string? gracefulDieType)
    {
        if (gracefulDieType is not null)
        {
            WorkerLog.GracefulDie(logger, process.PoolName, thread.Name, gracefulDieType);
            leave.BeginLeaving(MpmsProcessExitReason.GracefulDie);
        }
        else if (settings.MaxMemoryPerProcess is long limit && Environment.WorkingSet is long workingSet && workingSet > limit)
        {
            WorkerLog.MemoryLimitReached(logger, process.PoolName, process.ProcessName, workingSet, limit);
            leave.BeginLeaving(MpmsProcessExitReason.MemoryLimit);
        }
    }

    private static MpmsJobStatus ToJobStatus(WireStatus status) => status switch
    {
        WireStatus.Succeeded => MpmsJobStatus.Succeeded,
        WireStatus.TimedOut => MpmsJobStatus.TimedOut,
        WireStatus.Canceled => MpmsJobStatus.Canceled,
        _ => MpmsJobStatus.Failed,
    };

    private bool IsGracefulDie(Exception exception)
    {
        for (Type? type = exception.GetType(); type is not null; type = type.BaseType)
        {
            if (type == typeof(MpmsGracefulDieException) || Array.IndexOf(settings.GracefulDieExceptions, type.FullName) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs the job in a consumer activity that continues the trace of the put, when anyone listens.</summary>
    private Activity? StartActivity(WorkerJob job, WorkerThread thread)
    {
        if (!MpmsTelemetry.Tracing.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(job.TraceParent, null, out ActivityContext parent);
        Activity? activity = MpmsTelemetry.Tracing.StartActivity($"{process.PoolName} process", ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.SetTag("mpms.pool", process.PoolName);
            activity.SetTag("mpms.job_id", job.JobId);
            activity.SetTag("mpms.attempt", job.Attempt);
            activity.SetTag("thread.name", thread.Name);
        }

        return activity;
    }
}
