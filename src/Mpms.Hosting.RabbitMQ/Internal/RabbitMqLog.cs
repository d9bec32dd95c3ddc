using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>What the broker package logs. Event ids 3000–3079. Endpoints are logged without user information.</summary>
internal static partial class RabbitMqLog
{
    [LoggerMessage(3000, LogLevel.Information, "Pool {Pool} host {HostId} connected to RabbitMQ at {Endpoint}; it takes up to {Prefetch} jobs at a time", EventName = "BrokerConnected")]
    public static partial void Connected(ILogger logger, string pool, string hostId, string endpoint, int prefetch);

    [LoggerMessage(3001, LogLevel.Warning, "Pool {Pool} lost its connection to RabbitMQ at {Endpoint}: {Reason}; puts wait for its recovery", EventName = "BrokerConnectionLost")]
    public static partial void ConnectionLost(ILogger logger, string pool, string endpoint, string reason);

    [LoggerMessage(3002, LogLevel.Information, "Pool {Pool} recovered its connection to RabbitMQ at {Endpoint}", EventName = "BrokerConnectionRecovered")]
    public static partial void ConnectionRecovered(ILogger logger, string pool, string endpoint);

    [LoggerMessage(3003, LogLevel.Warning, "Pool {Pool} dropped a second outcome ({Kind}) of job {JobId}: the job already has its outcome, or was not put by this host", EventName = "DuplicateOutcomeDropped")]
    public static partial void DuplicateOutcomeDropped(ILogger logger, string pool, string jobId, string kind);

    [LoggerMessage(3004, LogLevel.Warning, "Pool {Pool} job {JobId} came back from a host that stopped answering for it (attempt {Attempt}); it may have run, so it ends as WorkerLost", EventName = "RedeliveredJobLost")]
    public static partial void RedeliveredLost(ILogger logger, string pool, string jobId, int attempt);

    [LoggerMessage(3005, LogLevel.Warning, "Pool {Pool} job {JobId} came back from a host that stopped answering for it; it runs again as attempt {Attempt}", EventName = "RedeliveredJobRetried")]
    public static partial void RedeliveredRetried(ILogger logger, string pool, string jobId, int attempt);

    [LoggerMessage(3006, LogLevel.Warning, "Pool {Pool} job {JobId} gave up after attempt {Attempt}; a copy went to the dead-letter queue {Queue}", EventName = "JobDeadLettered")]
    public static partial void DeadLettered(ILogger logger, string pool, string jobId, int attempt, string queue);

    [LoggerMessage(3007, LogLevel.Information, "Pool {Pool} host {HostId} stops taking jobs and handed back {Count} it had not started", EventName = "JobsHandedBack")]
    public static partial void HandedBack(ILogger logger, string pool, string hostId, int count);

    [LoggerMessage(3008, LogLevel.Error, "Pool {Pool} could not publish the outcome of job {JobId}; the broker will give the job to another host", EventName = "OutcomePublishFailed")]
    public static partial void OutcomePublishFailed(ILogger logger, string pool, string jobId, Exception exception);

    [LoggerMessage(3009, LogLevel.Information, "Pool {Pool} job {JobId} runs longer than {After}: its delivery became a lease in {Queue}", EventName = "LongJobLeased")]
    public static partial void LongJobLeased(ILogger logger, string pool, string jobId, TimeSpan after, string queue);

    [LoggerMessage(3010, LogLevel.Error, "Pool {Pool} received a message it cannot read from {Queue}; it goes to the dead-letter queue: {Problem}", EventName = "UnreadableMessage")]
    public static partial void UnreadableMessage(ILogger logger, string pool, string queue, string problem);

    [LoggerMessage(3011, LogLevel.Warning, "Pool {Pool} stopped with {Count} jobs put here still without an outcome; their outcomes will go to {Queue}", EventName = "StoppedWithoutOutcomes")]
    public static partial void StoppedWithoutOutcomes(ILogger logger, string pool, int count, string queue);

    [LoggerMessage(3012, LogLevel.Warning, "Pool {Pool} could not renew the lease of job {JobId}; if the host dies now the job comes back once the lease expires", EventName = "LeaseRenewalFailed")]
    public static partial void LeaseRenewalFailed(ILogger logger, string pool, string jobId, Exception exception);

    [LoggerMessage(3013, LogLevel.Error, "Pool {Pool} could not hand back job {JobId}; the broker gives it to another host when this connection ends", EventName = "HandBackFailed")]
    public static partial void HandBackFailed(ILogger logger, string pool, string jobId, Exception exception);

    [LoggerMessage(3030, LogLevel.Debug, "Pool {Pool} job {JobId} is back on RabbitMQ as attempt {Attempt}, due in {Delay} (queue {Queue})", EventName = "RetryPublished")]
    public static partial void RetryPublished(ILogger logger, string pool, string jobId, int attempt, TimeSpan delay, string queue);

    [LoggerMessage(3031, LogLevel.Error, "Pool {Pool} job {JobId} carries a retry policy this host cannot read, so its failure is its outcome: {Problem}", EventName = "RetryPolicyUnreadable")]
    public static partial void RetryPolicyUnreadable(ILogger logger, string pool, string jobId, string problem);
}
