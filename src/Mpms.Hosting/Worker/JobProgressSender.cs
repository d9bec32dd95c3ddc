using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Worker;

/// <summary>
/// The worker process's end of <see cref="MpmsJobContext.ReportProgress{TProgress}(TProgress)"/>: serialises a value on
/// the reporting thread, refuses one the link could not carry, and hands it to the job's <see cref="ProgressThrottle"/>.
/// </summary>
internal sealed class JobProgressSender(WorkerSettings settings, FrameOutbox outbox, IMpmsSerializer serializer, TimeProvider time) : IJobProgressSink
{
    // A thread's buffer is kept for its next value, unless one value made it grow past this.
    private const int KeptBufferSize = 64 * 1024;

    [ThreadStatic]
    private static PooledBufferWriter? t_buffer;

    public void Report<TProgress>(IJobDescription job, TProgress value)
    {
        var workerJob = (WorkerJob)job;
        if (!workerJob.IsRunning)
        {
            return; // ended, or given its outcome by a cancel or a timeout: no one reads it any more
        }

        PooledBufferWriter buffer = t_buffer ??= new PooledBufferWriter();
        buffer.Clear();
        try
        {
            Serialize(workerJob, value, buffer);
            ProgressThrottle throttle = workerJob.Progress ?? workerJob.SetProgressOnce(new ProgressThrottle(workerJob, outbox, time, settings.ProgressInterval));
            throttle.Offer(buffer.WrittenMemory.Span);
        }
        finally
        {
            buffer.Clear();
            if (buffer.Capacity > KeptBufferSize)
            {
                buffer.Dispose();
                t_buffer = null;
            }
        }
    }

    /// <summary>
    /// Ends a job's progress as the job ends, before its outcome is appended: the latest value still waiting goes out
    /// first (if the job is still the runner's to report), and later reports do nothing.
    /// </summary>
    public static void End(WorkerJob job) => job.Progress?.End(sendPending: job.IsRunning);

    private void Serialize<TProgress>(WorkerJob job, TProgress value, PooledBufferWriter buffer)
    {
        try
        {
            serializer.Serialize(value, buffer);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new MpmsSerializationException(
                $"The progress of job {job.JobId}, of type '{value?.GetType().FullName ?? typeof(TProgress).FullName}', cannot be serialised: {ex.Message}", ex);
        }

        if (buffer.WrittenCount > settings.MaxMessageSize)
        {
            throw new MpmsSerializationException(
                $"The progress of job {job.JobId} is {buffer.WrittenCount} bytes serialised, more than MaxMessageSize ({settings.MaxMessageSize}).");
        }
    }
}
