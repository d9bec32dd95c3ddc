namespace Mpms.Hosting;

/// <summary>How well a pool runs: whether its worker processes are there to take jobs.</summary>
public enum MpmsPoolHealth
{
    /// <summary>Every configured worker process is ready.</summary>
    Healthy,

    /// <summary>Fewer worker processes are ready than configured: some are starting or being replaced.</summary>
    Degraded,

    /// <summary>Worker processes fail to start; the pool retries with back-off and still accepts jobs.</summary>
    Faulted,

    /// <summary>Worker processes failed to start more than <see cref="MpmsOptions.MaxRestarts"/> times within
    /// <see cref="MpmsOptions.RestartWindow"/>: puts fail fast with <see cref="MpmsPoolFailedException"/> and waiting jobs
    /// end with it, until a probe start succeeds.</summary>
    Failed,
}
