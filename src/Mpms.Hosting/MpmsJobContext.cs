namespace Mpms.Hosting;

/// <summary>Describes one run of one job: which job it is, which attempt, and where it runs.</summary>
public sealed class MpmsJobContext
{
    private readonly IJobDescription _job;

    internal MpmsJobContext(IJobDescription job, MpmsThreadContext thread)
    {
        _job = job;
        Thread = thread;
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
}
