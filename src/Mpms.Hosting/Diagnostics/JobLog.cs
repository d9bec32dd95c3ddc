using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Diagnostics;

/// <summary>What the queue logs about retries and jobs that wait for their time. Event ids 1500–1529.</summary>
internal static partial class JobLog
{
    [LoggerMessage(1500, LogLevel.Warning, "Pool {Pool} job {JobId} attempt {Attempt} of {MaxAttempts} failed with {ExceptionType}: {ExceptionMessage}; it runs again in {RetryDelay}", EventName = "JobAttemptFailed")]
    public static partial void AttemptFailed(ILogger logger, string pool, string jobId, int attempt, int maxAttempts, string exceptionType, string exceptionMessage, TimeSpan retryDelay);

    [LoggerMessage(1501, LogLevel.Warning, "Pool {Pool} job {JobId} failed on its last attempt, {Attempt} of {MaxAttempts}, with {ExceptionType}: {ExceptionMessage}", EventName = "JobRetriesExhausted")]
    public static partial void RetriesExhausted(ILogger logger, string pool, string jobId, int attempt, int maxAttempts, string exceptionType, string exceptionMessage);

    [LoggerMessage(1502, LogLevel.Debug, "Pool {Pool} job {JobId} is not retried: its retry policy does not take {ExceptionType}", EventName = "JobNotRetried")]
    public static partial void NotRetried(ILogger logger, string pool, string jobId, string exceptionType);

    [LoggerMessage(1503, LogLevel.Error, "Pool {Pool} job {JobId} is not retried: the retry policy's ShouldRetry threw", EventName = "RetryPredicateFailed")]
    public static partial void RetryPredicateFailed(ILogger logger, string pool, string jobId, Exception exception);

    [LoggerMessage(1504, LogLevel.Information, "Pool {Pool} canceled {Count} job(s) waiting for their time: {Reason}", EventName = "ScheduledJobsCanceled")]
    public static partial void ScheduledCanceled(ILogger logger, string pool, int count, string reason);
}
