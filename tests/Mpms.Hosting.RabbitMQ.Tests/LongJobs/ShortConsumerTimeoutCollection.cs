using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

namespace Mpms.Hosting.RabbitMQ.Tests.LongJobs;

/// <summary>A broker node of its own whose delivery-acknowledgement timeout (<c>consumer_timeout</c>) is 3 seconds.</summary>
public sealed class ShortConsumerTimeoutFixture : RabbitMqBrokerFixture
{
    public static readonly TimeSpan ConsumerTimeout = TimeSpan.FromSeconds(3);

    protected override RabbitMqBrokerOptions Options => new() { ConsumerTimeout = ConsumerTimeout };
}

/// <summary>The tests on the node with a short consumer timeout; alone, like the other broker tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ShortConsumerTimeoutCollection : ICollectionFixture<ShortConsumerTimeoutFixture>
{
    public const string Name = "RabbitMQ broker with a short consumer timeout";
}
