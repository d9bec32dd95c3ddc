namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>A job put here threw and waits on the broker for <paramref name="Attempt"/>, due at <paramref name="ReadyAt"/>, as the host that ran it told.</summary>
/// <param name="Attempt">The attempt that comes next: it names the job's delay queue (<see cref="Topology.DelayQueue"/>).</param>
/// <param name="ReadyAt">When the attempt may run.</param>
internal sealed record RetryWait(int Attempt, DateTimeOffset ReadyAt);
