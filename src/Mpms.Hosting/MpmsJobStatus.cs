namespace Mpms.Hosting;

/// <summary>Where a job stands: waiting, running, or its one final outcome.</summary>
public enum MpmsJobStatus
{
    /// <summary>Accepted and waiting in the queue: for a thread, for its time (<see cref="MpmsPutOptions.Delay"/>), or for its retry (<see cref="MpmsOptions.Retry"/>).</summary>
    Queued,

    /// <summary>Handed to a worker process.</summary>
    Running,

    /// <summary>The worker returned a result.</summary>
    Succeeded,

    /// <summary>The worker threw; the exception is an <see cref="MpmsWorkerException"/> (or an <see cref="MpmsSerializationException"/> when the result could not travel back).</summary>
    Failed,

    /// <summary>The job ran past <see cref="MpmsOptions.JobTimeout"/>; the exception is an <see cref="MpmsJobTimeoutException"/>.</summary>
    TimedOut,

    /// <summary>The process running the job died under it; the exception is an <see cref="MpmsWorkerLostException"/>.</summary>
    WorkerLost,

    /// <summary>The caller canceled the job, or the host stopped before it could run.</summary>
    Canceled,
}
