using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Diagnostics;

/// <summary>Lines a worker process writes to its standard output and error, as the application logs them. Event ids 1200–1299.</summary>
internal static partial class WorkerOutputLog
{
    [LoggerMessage(1200, LogLevel.Information, "[{ProcessName}:{ProcessId}] {Line}", EventName = "WorkerStandardOutput")]
    public static partial void StandardOutput(ILogger logger, string processName, int processId, string line);

    [LoggerMessage(1201, LogLevel.Warning, "[{ProcessName}:{ProcessId}] {Line}", EventName = "WorkerStandardError")]
    public static partial void StandardError(ILogger logger, string processName, int processId, string line);
}
