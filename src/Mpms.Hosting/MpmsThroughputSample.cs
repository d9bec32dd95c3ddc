namespace Mpms.Hosting;

/// <summary>What a pool did during one interval of <see cref="MpmsPoolDetails.SampleInterval"/>, and its queue at the end of it.</summary>
public sealed record MpmsThroughputSample
{
    /// <summary>Gets the end of the interval.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets the number of jobs that got their outcome during the interval, whatever it was.</summary>
    public long Finished { get; init; }

    /// <summary>Gets the number of those that failed, timed out or lost their worker.</summary>
    /// <remarks>Canceled jobs are not failures: a caller asked for them to end.</remarks>
    public long Failed { get; init; }

    /// <summary>Gets the number of jobs accepted and not started at the end of the interval (<see cref="MpmsPoolStats.Queued"/>).</summary>
    public long Queued { get; init; }

    /// <summary>Gets the number of jobs running at the end of the interval (<see cref="MpmsPoolStats.Running"/>).</summary>
    public long Running { get; init; }
}
