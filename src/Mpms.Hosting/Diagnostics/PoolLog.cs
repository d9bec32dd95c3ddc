using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Diagnostics;

/// <summary>What the queue logs, in the application process. Event ids 1100–1199, and 1017 (kept from before the queue had its own).</summary>
internal static partial class PoolLog
{
    [LoggerMessage(1100, LogLevel.Error, "Pool {Pool} collector {Collector} failed on job {JobId}; collection goes on", EventName = "CollectorFailed")]
    public static partial void CollectorFailed(ILogger logger, string pool, string jobId, string collector, Exception exception);

    [LoggerMessage(1017, LogLevel.Warning, "Pool {Pool} retries job {JobId} (attempt {Attempt}) after {ProcessName} was lost: {Exit}", EventName = "JobRetried")]
    public static partial void JobRetried(ILogger logger, string pool, string jobId, string processName, int attempt, string exit);
}
