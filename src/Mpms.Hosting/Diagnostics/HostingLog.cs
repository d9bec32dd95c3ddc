using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Diagnostics;

/// <summary>What the pool's hosting logs, in the application process. Event ids 1300–1399.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(1300, LogLevel.Error, "Pool {Pool} failed while it was disposed; the disposal went on", EventName = "DisposeFailed")]
    public static partial void DisposeFailed(ILogger logger, string pool, Exception exception);
}
