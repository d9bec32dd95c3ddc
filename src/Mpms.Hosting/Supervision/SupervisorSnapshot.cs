namespace Mpms.Hosting.Supervision;

/// <summary>What the supervisor can tell truthfully about a pool's processes at one moment, read under its lock.</summary>
/// <param name="Health">How well the processes run.</param>
/// <param name="Alive">The processes running: starting, ready or draining.</param>
/// <param name="Ready">The processes initialised and taking jobs (warm spares not counted).</param>
/// <param name="Starting">The processes connecting or running their process initializers.</param>
/// <param name="SparesReady">The warm spares initialised and waiting to take a place.</param>
/// <param name="ConsecutiveStartFailures">The starts that failed in a row since one last succeeded.</param>
/// <param name="Restarts">The processes started to replace one that ended.</param>
/// <param name="RestartsInWindow">Those of them started within <see cref="MpmsOptions.RestartWindow"/>.</param>
internal readonly record struct SupervisorSnapshot(
    MpmsPoolHealth Health,
    int Alive,
    int Ready,
    int Starting,
    int SparesReady,
    int ConsecutiveStartFailures,
    long Restarts,
    int RestartsInWindow);
