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

    /// <summary>How long a start may take before it fails (the node boots in about 5 seconds on 2 cores).</summary>
    /// <value>60 seconds.</value>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a graceful stop (<c>rabbitmqctl stop</c>) may take before what is left of the node is killed.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
