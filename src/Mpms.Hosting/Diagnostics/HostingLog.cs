using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Diagnostics;

/// <summary>What the pool's hosting logs, in the application process. Event ids 1300–1399.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(1300, LogLevel.Error, "Pool {Pool} failed while it was disposed; the disposal went on", EventName = "DisposeFailed")]
    public static partial void DisposeFailed(ILogger logger, string pool, Exception exception);

    [LoggerMessage(1310, LogLevel.Warning, "Pool {Pool} runs its jobs inside the application (ExecutionMode InProcess): {Processes} in-process workers, no worker process, no crash isolation; a mode for tests and debugging", EventName = "InProcessMode")]
    public static partial void InProcessMode(ILogger logger, string pool, int processes);

    [LoggerMessage(1311, LogLevel.Warning, "In-process worker {ProcessName} of pool {Pool} was cut off ({Reason}): its threads take no more jobs and end when the jobs they run return", EventName = "InProcessWorkerCutOff")]
    public static partial void InProcessWorkerCutOff(ILogger logger, string pool, string processName, MpmsProcessExitReason reason);

    [LoggerMessage(1312, LogLevel.Error, "In-process worker {ProcessName} of pool {Pool} failed", EventName = "InProcessWorkerFailed")]
    public static partial void InProcessWorkerFailed(ILogger logger, string pool, string processName, Exception exception);
}
