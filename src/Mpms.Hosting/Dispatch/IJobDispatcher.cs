using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting.Dispatch;

/// <summary>
/// The one contract between the links that feed worker processes and the queue that feeds them, in the words of a
/// job's life. A link leases a job when its process has room for one; the lease then ends in exactly one way, through
/// <see cref="IJobLease"/>. The in-memory queue implements it; a broker-backed queue can, with acknowledgements tied to
/// how leases end.
/// </summary>
internal interface IJobDispatcher
{
    /// <summary>Gets the pool's name.</summary>
    string PoolName { get; }

    /// <summary>Waits until a job may be there to lease; another link may lease it first.</summary>
    /// <returns><see langword="false"/> when no job will ever come (the queue is closed for good).</returns>
    ValueTask<bool> WaitForJobAsync(CancellationToken cancellationToken);

    /// <summary>Leases the next waiting job to <paramref name="holder"/>, if there is one now.</summary>
    bool TryLease(ILeaseHolder holder, [NotNullWhen(true)] out IJobLease? lease);

    /// <summary>
    /// Says that the pool's processes keep failing to start: until <see cref="ReportRecovered"/>, puts fail fast and
    /// waiting jobs end as failed, with <paramref name="reason"/>.
    /// </summary>
    void ReportFailed(string reason);

    /// <summary>Says that a process started again after <see cref="ReportFailed"/>: puts are accepted again.</summary>
    void ReportRecovered();
}
