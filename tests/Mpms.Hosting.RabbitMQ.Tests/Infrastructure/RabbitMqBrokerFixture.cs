namespace Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

/// <summary>
/// One broker node for a whole test collection (a node takes seconds to boot): started before the collection's first
/// test, stopped after its last. Tests that share it use queue names of their own.
/// </summary>
/// <remarks>
/// A collection that needs another configuration (a short consumer timeout) derives a fixture of its own and
/// overrides <see cref="Options"/>.
/// </remarks>
public class RabbitMqBrokerFixture : IAsyncLifetime
{
    private RabbitMqBroker? _broker;

    /// <summary>The running broker.</summary>
    public RabbitMqBroker Broker => _broker ?? throw new InvalidOperationException("The broker starts with the collection's first test.");

    /// <summary>The configuration of this fixture's node.</summary>
    protected virtual RabbitMqBrokerOptions Options => new();

    /// <inheritdoc />
    public async Task InitializeAsync() => _broker = await RabbitMqBroker.StartAsync(Options);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
