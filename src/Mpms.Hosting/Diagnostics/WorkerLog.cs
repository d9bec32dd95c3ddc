using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Diagnostics;

/// <summary>What the worker runtime logs, inside a worker process. Event ids 2000–2099.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(2000, LogLevel.Information, "Worker process {ProcessName} (pid {ProcessId}) of pool {Pool} starting {Threads} threads", EventName = "WorkerProcessStarting")]
    public static partial void ProcessStarting(ILogger logger, string pool, string processName, int processId, int threads);

    [LoggerMessage(2001, LogLevel.Error, "Process initializer failed in {ProcessName} (pid {ProcessId}) of pool {Pool}: the process exits and takes no job", EventName = "ProcessInitializerFailed")]
    public static partial void ProcessInitializerFailed(ILogger logger, string pool, string processName, int processId, Exception exception);

    [LoggerMessage(2002, LogLevel.Error, "Thread initializer failed on {ThreadName} of pool {Pool}: the thread exits and takes no job", EventName = "ThreadInitializerFailed")]
    public static partial void ThreadInitializerFailed(ILogger logger, string pool, string threadName, Exception exception);

    [LoggerMessage(2003, LogLevel.Error, "Thread finalizer failed on {ThreadName} of pool {Pool}; the thread exits anyway", EventName = "ThreadFinalizerFailed")]
    public static partial void ThreadFinalizerFailed(ILogger logger, string pool, string threadName, Exception exception);

    [LoggerMessage(2004, LogLevel.Error, "Process finalizer failed in {ProcessName} of pool {Pool}; the process exits anyway", EventName = "ProcessFinalizerFailed")]
    public static partial void ProcessFinalizerFailed(ILogger logger, string pool, string processName, Exception exception);

    [LoggerMessage(2005, LogLevel.Information, "Worker process {ProcessName} of pool {Pool} exiting: {Reason}", EventName = "WorkerProcessExiting")]
    public static partial void ProcessExiting(ILogger logger, string pool, string processName, MpmsProcessExitReason reason);

    [LoggerMessage(2006, LogLevel.Error, "Worker process {ProcessName} of pool {Pool} could not connect to {Endpoint}", EventName = "HandshakeFailed")]
    public static partial void HandshakeFailed(ILogger logger, string pool, string processName, string endpoint, Exception exception);

    [LoggerMessage(2007, LogLevel.Warning, "Worker process {ProcessName} of pool {Pool} lost its link ({Reason}); exiting now", EventName = "LinkLost")]
    public static partial void LinkLost(ILogger logger, string pool, string processName, string reason);

    [LoggerMessage(2008, LogLevel.Information, "Thread {ThreadName} reached its lifetime {Lifetime}; exiting", EventName = "ThreadLifetimeReached")]
    public static partial void ThreadLifetimeReached(ILogger logger, string threadName, TimeSpan lifetime);

    [LoggerMessage(2009, LogLevel.Debug, "Thread {ThreadName} ran {Jobs} jobs, its MaxJobsPerThread; exiting", EventName = "ThreadMaxJobsReached")]
    public static partial void ThreadMaxJobsReached(ILogger logger, string threadName, int jobs);

    [LoggerMessage(2010, LogLevel.Warning, "Thread {ThreadName} of pool {Pool} threw {ExceptionType}, a graceful-die exception: the process stops taking jobs and exits", EventName = "GracefulDie")]
    public static partial void GracefulDie(ILogger logger, string pool, string threadName, string exceptionType);

    [LoggerMessage(2011, LogLevel.Error, "Task {JobId} on {ThreadName} of pool {Pool} ignored its token {Limit} after it started; the process is recycled", EventName = "TaskAbandoned")]
    public static partial void TaskAbandoned(ILogger logger, string pool, string threadName, string jobId, TimeSpan limit);

    [LoggerMessage(2013, LogLevel.Warning, "Worker process {ProcessName} of pool {Pool} uses {WorkingSet} bytes, over MaxMemoryPerProcess {Limit}: it drains and is replaced", EventName = "MemoryLimitReached")]
    public static partial void MemoryLimitReached(ILogger logger, string pool, string processName, long workingSet, long limit);

    [LoggerMessage(2012, LogLevel.Critical, "Worker thread {ThreadName} crashed", EventName = "ThreadCrashed")]
    public static partial void ThreadCrashed(ILogger logger, string threadName, Exception exception);

    [LoggerMessage(2014, LogLevel.Error, "A continuation on worker thread {ThreadName} threw (an async void method, or a callback posted to the thread); the thread goes on", EventName = "ContinuationFailed")]
    public static partial void ContinuationFailed(ILogger logger, string threadName, Exception exception);

    [LoggerMessage(2015, LogLevel.Error, "A cancellation callback of job {JobId} threw", EventName = "CancellationCallbackFailed")]
    public static partial void CancellationCallbackFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(2020, LogLevel.Error, "{Service} could not be constructed by dependency injection on {ThreadName} of pool {Pool}, so the thread exits and takes no job. {Reason}{TrimmingHint}", EventName = "ThreadServiceNotConstructed")]
    public static partial void ThreadServiceNotConstructed(ILogger logger, string service, string threadName, string pool, string reason, string trimmingHint, Exception? exception);

    [LoggerMessage(2021, LogLevel.Error, "{Service} could not be constructed by dependency injection in {ProcessName} (pid {ProcessId}) of pool {Pool}, so the process exits and takes no job. {Reason}{TrimmingHint}", EventName = "ProcessServiceNotConstructed")]
    public static partial void ProcessServiceNotConstructed(ILogger logger, string service, string processName, int processId, string pool, string reason, string trimmingHint, Exception? exception);

    [LoggerMessage(2022, LogLevel.Error, "{Service} could not be constructed by dependency injection for {Owner} of pool {Pool}: no finalizer of its kind runs there, and it exits anyway. {Reason}{TrimmingHint}", EventName = "FinalizerNotConstructed")]
    public static partial void FinalizerNotConstructed(ILogger logger, string service, string owner, string pool, string reason, string trimmingHint, Exception? exception);

    [LoggerMessage(2016, LogLevel.Critical, "The worker process failed and exits", EventName = "WorkerFailed")]
    public static partial void WorkerFailed(ILogger logger, Exception exception);

    [LoggerMessage(2040, LogLevel.Debug, "Worker process {ProcessName} of pool {Pool} starts the hosted services chosen for its workers: {HostedServices}", EventName = "HostedServicesStarting")]
    public static partial void HostedServicesStarting(ILogger logger, string pool, string processName, string hostedServices);

    [LoggerMessage(2041, LogLevel.Error, "Hosted service {HostedService} failed to start in {ProcessName} (pid {ProcessId}) of pool {Pool}: the process exits and takes no job", EventName = "HostedServiceStartFailed")]
    public static partial void HostedServiceStartFailed(ILogger logger, string pool, string processName, int processId, string hostedService, Exception exception);

    [LoggerMessage(2042, LogLevel.Error, "Hosted service {HostedService} failed to stop in {ProcessName} of pool {Pool}; the process exits anyway", EventName = "HostedServiceStopFailed")]
    public static partial void HostedServiceStopFailed(ILogger logger, string pool, string processName, string hostedService, Exception exception);

    [LoggerMessage(2043, LogLevel.Warning, "Hosted services of {ProcessName} in pool {Pool} did not stop within {Timeout}: the process exits without waiting for {HostedService} and those not yet stopped", EventName = "HostedServicesStopTimedOut")]
    public static partial void HostedServicesStopTimedOut(ILogger logger, string pool, string processName, TimeSpan timeout, string hostedService);

    [LoggerMessage(2044, LogLevel.Warning, "{Choice} chose no hosted service the application registers: nothing of it starts in worker process {ProcessName} of pool {Pool}", EventName = "HostedServiceChoiceUnmatched")]
    public static partial void HostedServiceChoiceUnmatched(ILogger logger, string pool, string processName, string choice);

    [LoggerMessage(2060, LogLevel.Debug, "Idle worker process {ProcessName} of pool {Pool} trimmed its managed heap from {BeforeMiB} MiB to {AfterMiB} MiB", EventName = "IdleHeapTrimmed")]
    public static partial void IdleTrimmed(ILogger logger, string pool, string processName, long beforeMiB, long afterMiB);
}
