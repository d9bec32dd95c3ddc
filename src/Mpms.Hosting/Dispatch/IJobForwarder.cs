namespace Mpms.Hosting.Dispatch;

/// <summary>
/// Takes the jobs this application accepts to where they run, instead of its own queue: a broker that several hosts
/// drain. The forwarder holds each job's lease until the job's outcome comes back, and ends the lease with it.
/// </summary>
internal interface IJobForwarder : ILeaseHolder
{
    /// <summary>Gets a value indicating whether the job's <see cref="MpmsPutOptions.Priority"/> goes with it (a broker queue that orders by it).</summary>
    bool CarriesPriority { get; }

    /// <summary>Gets the longest wait of a delayed job (<see cref="MpmsPutOptions.Delay"/>, <see cref="MpmsPutOptions.NotBefore"/>) that the forwarder holds until its time; zero when it holds none.</summary>
    TimeSpan MaxDelay { get; }

    /// <summary>Sends a job on; completes once the job is durable where it went, so that the put can return.</summary>
    /// <param name="job">The job, leased to this forwarder.</param>
    /// <param name="cancellationToken">Ends the wait for the broker; the job then ends as canceled, or as failed when the broker may already have it.</param>
    /// <exception cref="MpmsException">The job could not be sent; it has ended with an outcome that says why.</exception>
    ValueTask ForwardAsync(IJobLease job, CancellationToken cancellationToken);

    /// <summary>Sends a job on without waiting (a <c>TryPut</c>): if that fails, the job ends as failed.</summary>
    void Forward(IJobLease job);
}
