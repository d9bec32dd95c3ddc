using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Diagnostics;

/// <summary>What the queue logs, in the application process. Event ids 1100–1199.</summary>
internal static partial class PoolLog
{
    [LoggerMessage(1100, LogLevel.Error, "Pool {Pool} collector {Collector} failed on job {JobId}; collection goes on", EventName = "CollectorFailed")]
    public static partial void CollectorFailed(ILogger logger, string pool, string jobId, string collector, Exception exception);
}
