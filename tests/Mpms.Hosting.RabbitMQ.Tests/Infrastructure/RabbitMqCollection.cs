namespace Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

/// <summary>
/// The tests that share one broker node. They run one class at a time and apart from other collections, so that a
/// 2-core machine does not boot a node while it starts host processes for another test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqBrokerFixture>
{
    /// <summary>The collection's name, for <c>[Collection(RabbitMqCollection.Name)]</c>.</summary>
    public const string Name = "RabbitMQ broker";

    /// <summary>A generous ceiling for the collection's waits on the broker and its hosts: reached only when a test is failing.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
}
