using Microsoft.Extensions.Options;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// Refuses, at start, the pool options a broker-backed pool cannot honour yet: a retry policy for jobs whose worker
/// threw would send the retried job to this host's own queue, which no process of a broker pool reads.
/// </summary>
internal sealed class BrokerPoolOptionsValidator(string poolName) : IValidateOptions<MpmsOptions>
{
    public ValidateOptionsResult Validate(string? name, MpmsOptions options) =>
        !string.Equals(name, poolName, StringComparison.Ordinal) || options.Retry.MaxAttempts <= 1
            ? ValidateOptionsResult.Skip
            : ValidateOptionsResult.Fail(
                $"Pool '{poolName}': Retry:MaxAttempts must be 1 with UseRabbitMq (it is {options.Retry.MaxAttempts}): retries of jobs whose worker threw are not carried through the broker yet. OnWorkerLost: Retry, with MaxAttempts, is.");
}
