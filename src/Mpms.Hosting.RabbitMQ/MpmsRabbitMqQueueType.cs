namespace Mpms.Hosting.RabbitMQ;

/// <summary>The kind of RabbitMQ queue that holds a pool's jobs.</summary>
public enum MpmsRabbitMqQueueType
{
    /// <summary>A classic durable queue: what every RabbitMQ server offers; one node holds it.</summary>
    Classic,

    /// <summary>
    /// A quorum queue, replicated over the cluster's nodes, with a delivery limit
    /// (<see cref="MpmsRabbitMqOptions.DeliveryLimit"/>) that sends a message redelivered too often to the dead-letter
    /// queue: the choice for production clusters.
    /// </summary>
    Quorum,
}
