using Mpms.Hosting.Diagnostics;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// Carries out what the <see cref="StartFailurePolicy"/> decides about failed and successful starts: the log lines, and
/// telling the queue through the dispatch seam when the pool fails and when it recovers. Not thread-safe, like the
/// policy: the supervisor calls it under its lock.
/// </summary>
internal sealed class StartFailureReports(SupervisionContext pool, StartFailurePolicy policy)
{
    /// <summary>Counts a failed start: backs off, and fails the pool when there were too many within the window.</summary>
    public void OnFailure()
    {
        StartFailure failure = policy.RecordFailure();
        SupervisorLog.StartFailed(pool.Logger, pool.PoolName, failure.ConsecutiveFailures, failure.Delay);
        if (failure.PoolFailed)
        {
            MpmsOptions options = pool.Options;
            string reason = $"Pool '{pool.PoolName}' has failed: its worker processes failed to start {failure.FailuresInWindow} times within {options.RestartWindow} (MaxRestarts {options.MaxRestarts}). It keeps trying and recovers by itself when a worker process starts; see the log for why they fail.";
            SupervisorLog.PoolFailed(pool.Logger, pool.PoolName, failure.FailuresInWindow, options.RestartWindow);
            pool.Dispatcher.ReportFailed(reason);
        }
    }

    /// <summary>Counts a successful start: starts go on at once, and a failed pool recovers.</summary>
    public void OnSuccess()
    {
        if (policy.RecordSuccess() is StartRecovery recovery)
        {
            SupervisorLog.PoolRecovered(pool.Logger, pool.PoolName, recovery.ConsecutiveFailures);
            if (recovery.WasFailed)
            {
                pool.Dispatcher.ReportRecovered();
            }
        }
    }
}
