namespace Mpms.Hosting;

/// <summary>What happens to the jobs a worker process was running when it dies.</summary>
public enum MpmsWorkerLostPolicy
{
    /// <summary>The jobs end as <see cref="MpmsJobStatus.WorkerLost"/>: a job never runs twice.</summary>
    Fail,

    /// <summary>The jobs go back to the queue until they have been tried <see cref="MpmsOptions.MaxAttempts"/> times,
    /// then end as <see cref="MpmsJobStatus.WorkerLost"/>: a job may run more than once, so it must be idempotent.</summary>
    Retry,
}
