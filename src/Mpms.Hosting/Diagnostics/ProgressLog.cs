using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Diagnostics;

/// <summary>What the progress of jobs logs in the application. Event ids 1530–1549 (2050–2059 are kept for the worker side).</summary>
internal static partial class ProgressLog
{
    // Debug only: a pool of chatty jobs sends several values a second per job.
    [LoggerMessage(1530, LogLevel.Debug, "Pool {Pool} job {JobId} reported progress ({Bytes} bytes)", EventName = "ProgressReceived")]
    public static partial void ProgressReceived(ILogger logger, string pool, string jobId, long bytes);

    [LoggerMessage(1531, LogLevel.Warning, "Pool {Pool} job {JobId}: a progress subscriber failed and was detached", EventName = "ProgressSubscriberFailed")]
    public static partial void ProgressSubscriberFailed(ILogger logger, string pool, string jobId, Exception exception);
}
