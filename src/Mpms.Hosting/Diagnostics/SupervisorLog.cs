using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Diagnostics;

/// <summary>What the supervisor logs, in the application process. Event ids 1000–1099.</summary>
internal static partial class SupervisorLog
{
    [LoggerMessage(1000, LogLevel.Information, "Pool {Pool} starting {Processes} worker processes × {Threads} threads ({Command})", EventName = "PoolStarting")]
    public static partial void PoolStarting(ILogger logger, string pool, int processes, int threads, string command);

    [LoggerMessage(1001, LogLevel.Debug, "Pool {Pool} started worker process {ProcessName} (pid {ProcessId})", EventName = "ProcessStarted")]
    public static partial void ProcessStarted(ILogger logger, string pool, string processName, int processId);

    [LoggerMessage(1002, LogLevel.Information, "Pool {Pool} worker process {ProcessName} (pid {ProcessId}) is ready", EventName = "ProcessReady")]
    public static partial void ProcessReady(ILogger logger, string pool, string processName, int processId);

    [LoggerMessage(1003, LogLevel.Information, "Pool {Pool} worker process {ProcessName} (pid {ProcessId}) exited: {Exit}", EventName = "ProcessExited")]
    public static partial void ProcessExited(ILogger logger, string pool, string processName, int processId, string exit);

    [LoggerMessage(1004, LogLevel.Warning, "Pool {Pool} worker process {ProcessName} (pid {ProcessId}) ended: {Exit}; it will be replaced", EventName = "ProcessEndedUnexpectedly")]
    public static partial void ProcessEndedUnexpectedly(ILogger logger, string pool, string processName, int processId, string exit);

    [LoggerMessage(1028, LogLevel.Warning, "Pool {Pool} worker process {ProcessName} (pid {ProcessId}) ended: {Exit}; the pool is stopping, so it is not replaced", EventName = "ProcessEndedWhileStopping")]
    public static partial void ProcessEndedWhileStopping(ILogger logger, string pool, string processName, int processId, string exit);

    [LoggerMessage(1005, LogLevel.Warning, "Pool {Pool} worker process failed to start ({Failures} in a row); next attempt in {Delay}", EventName = "StartFailed")]
    public static partial void StartFailed(ILogger logger, string pool, int failures, TimeSpan delay);

    [LoggerMessage(1006, LogLevel.Error, "Pool {Pool} has failed: worker processes failed to start {Failures} times within {Window}; puts are refused until a worker process starts", EventName = "PoolFailed")]
    public static partial void PoolFailed(ILogger logger, string pool, int failures, TimeSpan window);

    [LoggerMessage(1007, LogLevel.Information, "Pool {Pool} recovered: a worker process started after {Failures} failed starts", EventName = "PoolRecovered")]
    public static partial void PoolRecovered(ILogger logger, string pool, int failures);

    [LoggerMessage(1008, LogLevel.Error, "Pool {Pool} could not start worker process {ProcessName} with {Command}", EventName = "SpawnFailed")]
    public static partial void SpawnFailed(ILogger logger, string pool, string processName, string command, Exception exception);

    [LoggerMessage(1009, LogLevel.Warning, "Pool {Pool} worker process {ProcessName} was not ready within {Timeout}; killing it", EventName = "StartTimedOut")]
    public static partial void StartTimedOut(ILogger logger, string pool, string processName, TimeSpan timeout);

    [LoggerMessage(1010, LogLevel.Error, "Pool {Pool} worker process {ProcessName} (pid {ProcessId}) sent nothing for {Silence}: it is hung; killing it", EventName = "ProcessHung")]
    public static partial void ProcessHung(ILogger logger, string pool, string processName, int processId, TimeSpan silence);

    [LoggerMessage(1011, LogLevel.Error, "Pool {Pool} job {JobId} has run for {Age} in {ProcessName} without an outcome, past JobTimeout; killing the process", EventName = "JobOverdue")]
    public static partial void JobOverdue(ILogger logger, string pool, string processName, string jobId, TimeSpan age);

    [LoggerMessage(1012, LogLevel.Information, "Pool {Pool} worker process {ProcessName} reached ProcessLifetime {Lifetime}; draining it", EventName = "ProcessRecycling")]
    public static partial void ProcessRecycling(ILogger logger, string pool, string processName, TimeSpan lifetime);

    [LoggerMessage(1013, LogLevel.Information, "Pool {Pool} worker process {ProcessName} is leaving: {Reason}", EventName = "ProcessLeaving")]
    public static partial void ProcessLeaving(ILogger logger, string pool, string processName, MpmsProcessExitReason reason);

    [LoggerMessage(1014, LogLevel.Warning, "Pool {Pool} refused a connection to its socket: {Reason}", EventName = "ConnectionRejected")]
    public static partial void ConnectionRejected(ILogger logger, string pool, string reason);

    [LoggerMessage(1029, LogLevel.Debug, "Pool {Pool} closed a connection that had not said hello, to make room for a new one", EventName = "ConnectionShed")]
    public static partial void ConnectionShed(ILogger logger, string pool);

    [LoggerMessage(1030, LogLevel.Warning, "Pool {Pool} has {Handshakes} connections waiting to say hello, its limit: it closes the oldest of them as new ones come ({Shed} so far)", EventName = "HandshakesSaturated")]
    public static partial void HandshakesSaturated(ILogger logger, string pool, int handshakes, long shed);

    [LoggerMessage(1031, LogLevel.Error, "Pool {Pool} worker process {ProcessName} (pid {ProcessId}) holds a job it has not listed in its heartbeats for {Quiet}; killing the process", EventName = "JobUnaccounted")]
    public static partial void JobUnaccounted(ILogger logger, string pool, string processName, int processId, TimeSpan quiet);

    [LoggerMessage(1015, LogLevel.Warning, "Pool {Pool} failed to accept a connection", EventName = "AcceptFailed")]
    public static partial void AcceptFailed(ILogger logger, string pool, Exception exception);

    [LoggerMessage(1016, LogLevel.Error, "Pool {Pool} closed the link to {ProcessName}: {Reason}", EventName = "ProtocolError")]
    public static partial void ProtocolError(ILogger logger, string pool, string processName, string reason);

    [LoggerMessage(1018, LogLevel.Debug, "Pool {Pool} dropped a late result from {ProcessName} for job {Sequence}: it already has its outcome", EventName = "LateResultDropped")]
    public static partial void LateResultDropped(ILogger logger, string pool, string processName, long sequence);

    [LoggerMessage(1019, LogLevel.Information, "Pool {Pool} stopping: {Queued} queued and {Running} running jobs to finish", EventName = "PoolStopping")]
    public static partial void PoolStopping(ILogger logger, string pool, long queued, long running);

    [LoggerMessage(1020, LogLevel.Information, "Pool {Pool} stopped (every job finished: {Drained})", EventName = "PoolStopped")]
    public static partial void PoolStopped(ILogger logger, string pool, bool drained);

    [LoggerMessage(1021, LogLevel.Warning, "Pool {Pool} worker process {ProcessName} outlived the shutdown deadline; killing it", EventName = "ShutdownKilling")]
    public static partial void ShutdownKilling(ILogger logger, string pool, string processName);

    [LoggerMessage(1022, LogLevel.Warning, "Pool {Pool} worker process {ProcessName} did not finish draining within {Timeout}; killing it", EventName = "DrainTimedOut")]
    public static partial void DrainTimedOut(ILogger logger, string pool, string processName, TimeSpan timeout);

    [LoggerMessage(1024, LogLevel.Error, "Pool {Pool} process {ProcessName} was running job {JobId} on {ThreadName} for {Running}", EventName = "HungJob")]
    public static partial void HungJob(ILogger logger, string pool, string processName, string jobId, string threadName, TimeSpan running);

    [LoggerMessage(1025, LogLevel.Error, "Pool {Pool} process {ProcessName} was running no job at its last heartbeat", EventName = "HungWithoutJobs")]
    public static partial void HungWithoutJobs(ILogger logger, string pool, string processName);

    [LoggerMessage(1026, LogLevel.Warning, "Pool {Pool} wrote a dump of {ProcessName} to {Path}", EventName = "DumpWritten")]
    public static partial void DumpWritten(ILogger logger, string pool, string processName, string path);

    [LoggerMessage(1027, LogLevel.Error, "Pool {Pool} could not write a dump of {ProcessName} to {Path}", EventName = "DumpFailed")]
    public static partial void DumpFailed(ILogger logger, string pool, string processName, string path, Exception exception);

    [LoggerMessage(1023, LogLevel.Error, "Pool {Pool} supervision failed; it goes on", EventName = "SupervisionFailed")]
    public static partial void SupervisionFailed(ILogger logger, string pool, Exception exception);

    [LoggerMessage(1032, LogLevel.Information, "Pool {Pool} warm spare {ProcessName} (pid {ProcessId}, ready: {Ready}) takes the place of a process that ended", EventName = "SparePromoted")]
    public static partial void SparePromoted(ILogger logger, string pool, string processName, int processId, bool ready);
}
