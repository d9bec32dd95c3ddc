namespace Mpms.Hosting.Supervision;

/// <summary>What the health of a pool is decided from.</summary>
/// <param name="ConfiguredProcesses">How many processes the pool should have.</param>
/// <param name="ReadyProcesses">How many are ready to take jobs.</param>
/// <param name="Starts">Where the pool stands with starting processes.</param>
internal readonly record struct PoolHealthSnapshot(int ConfiguredProcesses, int ReadyProcesses, StartFailureState Starts);

/// <summary>How well a pool's processes run, as a function of what the supervisor knows.</summary>
internal static class PoolHealthRules
{
    /// <summary>Failed when the pool failed, Faulted while starts fail, Degraded while processes are missing, else Healthy.</summary>
    public static MpmsPoolHealth Evaluate(in PoolHealthSnapshot pool) => pool.Starts switch
    {
        StartFailureState.Failed => MpmsPoolHealth.Failed,
        StartFailureState.Faulted => MpmsPoolHealth.Faulted,
        _ => pool.ReadyProcesses < pool.ConfiguredProcesses ? MpmsPoolHealth.Degraded : MpmsPoolHealth.Healthy,
    };
}
