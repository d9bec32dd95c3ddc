using Mpms.Hosting.Protocol;
using Mpms.Hosting.Queue;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// Decides, on the host that ran an attempt, whether a job whose worker threw runs again, with the rules of the
/// in-memory queue (<see cref="FailedAttempts"/>, which also logs each failed attempt here): the job's own policy when it
/// travels with the job, otherwise this host's pool policy, its <c>AddRetry</c> predicate included.
/// </summary>
internal sealed class RetryDecider(string poolName, MpmsRetryOptions poolPolicy, ILogger logger)
{
    private readonly FailedAttempts _failedAttempts = new(poolName, new RetryPolicy(poolPolicy), logger);

    /// <summary>The delay before the job's next attempt, or <see langword="null"/> when the failure is its outcome.</summary>
    public TimeSpan? DelayBeforeNext(DeliveryLease lease, WireError error)
    {
        // A result the worker could not serialise is not a throw of the job's (the in-memory queue does not retry it).
        if (string.Equals(error.Type, typeof(MpmsSerializationException).FullName, StringComparison.Ordinal))
        {
            return null;
        }

        MpmsRetryOptions? own;
        try
        {
            own = RetryHeader.Read(lease.RetryPolicy);
        }
        catch (FormatException ex)
        {
            RabbitMqLog.RetryPolicyUnreadable(logger, poolName, lease.JobId, ex.Message);
            return null;
        }

        var failure = new MpmsWorkerException(error.Type, error.Message, error.StackTrace, error.Details) { Attempt = lease.Attempt };
        return _failedAttempts.RetryDelay(lease.JobId, lease.Attempt, lease.CancelRequested, own, failure);
    }
}
