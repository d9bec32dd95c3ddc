using Mpms.Hosting.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Decides, and logs, what becomes of an attempt whose worker threw: the job's own retry policy, or the pool's, says
/// whether it runs again and after how long. Every retried failure is logged with its exception's type and message.
/// </summary>
internal sealed class FailedAttempts(string poolName, RetryPolicy policy, ILogger logger)
{
    /// <summary>Decides about a failed attempt of a job.</summary>
    /// <param name="jobId">The job's id, for the logs.</param>
    /// <param name="attempt">The number of the attempt that failed, from 1.</param>
    /// <param name="canceled">Whether the caller asked to cancel the job: a canceled job is not retried.</param>
    /// <param name="own">The job's own policy, if it was put with one.</param>
    /// <param name="failure">What the worker threw.</param>
    /// <returns>The delay before the job runs again; <see langword="null"/> when the failure is its outcome.</returns>
    public TimeSpan? RetryDelay(string jobId, int attempt, bool canceled, MpmsRetryOptions? own, MpmsWorkerException failure)
    {
        MpmsRetryOptions options = own ?? policy.PoolOptions;
        RetryVerdict verdict;
        TimeSpan delay = TimeSpan.Zero;
        try
        {
            verdict = canceled ? RetryVerdict.NotRetried : policy.Decide(options, attempt, failure, out delay);
        }
        catch (Exception ex)
        {
            JobLog.RetryPredicateFailed(logger, poolName, jobId, ex);
            return null;
        }

        switch (verdict)
        {
            case RetryVerdict.Retry:
                JobLog.AttemptFailed(logger, poolName, jobId, attempt, options.MaxAttempts, failure.RemoteType, failure.Message, delay);
                return delay;
            case RetryVerdict.Exhausted:
                JobLog.RetriesExhausted(logger, poolName, jobId, attempt, options.MaxAttempts, failure.RemoteType, failure.Message);
                return null;
            default:
                if (options.MaxAttempts > 1 && !canceled)
                {
                    JobLog.NotRetried(logger, poolName, jobId, failure.RemoteType);
                }

                return null;
        }
    }
}
