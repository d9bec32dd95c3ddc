namespace Mpms.Hosting;

/// <summary>Describes one run of one job: which job it is, which attempt, and where it runs.</summary>
public sealed class MpmsJobContext
{
    private readonly IJobDescription _job;
    private readonly IJobProgressSink? _progress;

    internal MpmsJobContext(IJobDescription job, MpmsThreadContext thread, IJobProgressSink? progress = null)
    {
        _job = job;
        Thread = thread;
        _progress = progress;
    }

    /// <summary>Gets the job's id, the same as on its handle and its result.</summary>
    public string JobId => _job.JobId;

    /// <summary>Gets the attempt number, 1 for the first run; higher when the job is retried after its process was lost.</summary>
    public int Attempt => _job.Attempt;

    /// <summary>Gets when the job was accepted by the queue (to the millisecond).</summary>
    public DateTimeOffset EnqueuedAt => _job.EnqueuedAt;

    /// <summary>Gets the worker thread that runs the job.</summary>
    public MpmsThreadContext Thread { get; }

    /// <summary>Gets the worker process that runs the job.</summary>
    public MpmsProcessContext Process => Thread.Process;

    /// <summary>
    /// Reports how far the job has come, for the caller to read from its handle
    /// (<see cref="MpmsJobHandle{TResult}.ReadProgressAsync{TProgress}(CancellationToken)"/> or
    /// <see cref="MpmsJobHandle{TResult}.ReportProgressTo{TProgress}(IProgress{TProgress})"/>), across the process boundary.
    /// </summary>
    /// <typeparam name="TProgress">The progress type; the caller reads the value as this type (or one its serializer reads the same way).</typeparam>
    /// <param name="value">The progress: a number, a record, anything the pool's <see cref="IMpmsSerializer"/> writes.</param>
    /// <remarks>
    /// <para>The value is serialised at once, on the calling thread, and the call never waits for the link. At most one value
    /// per job is sent per <see cref="MpmsOptions.ProgressInterval"/>: values reported faster replace each other, and the
    /// latest one is sent when the interval ends. The last value reported before the job returns is sent before its
    /// outcome, so a reader sees it. Reporting after the job has ended (or has been given an outcome, by a cancellation
    /// or a timeout) does nothing.</para>
    /// <para>In a trimmed or native AOT application the serializer must know <typeparamref name="TProgress"/> (add it to the
    /// pool's <c>JsonSerializerContext</c>), as for job and result types.</para>
    /// </remarks>
    /// <exception cref="MpmsSerializationException">
    /// The value cannot be serialised, or is larger than <see cref="MpmsOptions.MaxMessageSize"/>.
    /// </exception>
    public void ReportProgress<TProgress>(TProgress value) => _progress?.Report(_job, value);
}
