namespace Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

/// <summary>How a test broker node is configured; every broker instance has its own.</summary>
public sealed class RabbitMqBrokerOptions
{
    /// <summary>
    /// RabbitMQ's delivery-acknowledgement timeout (<c>consumer_timeout</c>): a channel that holds a delivery longer
    /// without acknowledging it is closed by the broker.
    /// </summary>
    /// <value>Null: RabbitMQ's default (30 minutes).</value>
    /// <remarks>
    /// RabbitMQ checks the timeout on every channel tick, once a minute by default; when a timeout is given, the node
    /// ticks every second instead, so that a short timeout in a test bites within a second of expiring.
    /// </remarks>
    public TimeSpan? ConsumerTimeout { get; init; }

    /// <summary>How long a start may take before it fails.</summary>
    /// <value>2 minutes.</value>
    /// <remarks>
    /// A node boots in about 5 seconds on 2 idle cores and in 10 to 15 while tests run beside it; with several test runs
    /// sharing the machine (a load average of 40), a start and stop took over a minute. The bound is for a node that will
    /// never answer, not for a slow one.
    /// </remarks>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a graceful stop (<c>rabbitmqctl stop</c>) may take before what is left of the node is killed.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
