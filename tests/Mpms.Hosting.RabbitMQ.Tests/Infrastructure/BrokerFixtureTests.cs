using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Xunit.Abstractions;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

/// <summary>The test broker itself: it carries messages, keeps them across a restart, applies its configuration and leaves nothing behind.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class BrokerFixtureTests(RabbitMqBrokerFixture fixture, ITestOutputHelper output)
{
    // A bound on waiting for what the broker does by itself, so that a broken broker fails the test instead of hanging it.

    private RabbitMqBroker Broker => fixture.Broker;

    [Fact]
    public async Task PublishedMessage_IsGotBackFromTheQueue()
    {
        output.WriteLine($"Node {Broker.NodeName} on port {Broker.AmqpPort} started in {Broker.LastStartDuration.TotalSeconds:0.0} s.");
        string queue = QueueName();
        byte[] body = Encoding.UTF8.GetBytes("hello " + queue);

        await using IConnection connection = await Broker.ConnectAsync();
        await using IChannel channel = await connection.CreateChannelAsync(Confirmed);
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
        await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties(), body);
        BasicGetResult? got = await channel.BasicGetAsync(queue, autoAck: true);

        Assert.NotNull(got);
        Assert.Equal(body, got.Body.ToArray());
        // The node leads its own process group, which is what stopping it kills.
        Assert.Equal(Broker.NodeProcessId, GroupLeaderProcess.ProcessGroupOf(Broker.NodeProcessId!.Value));
    }

    [Fact]
    public async Task Restart_KeepsAPersistentMessageOfADurableQueue_OnTheSamePort()
    {
        string queue = QueueName();
        byte[] body = Encoding.UTF8.GetBytes("kept " + queue);
        await using (IConnection connection = await Broker.ConnectAsync())
        await using (IChannel channel = await connection.CreateChannelAsync(Confirmed))
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true }, body);
        }

        int before = Broker.NodeProcessId!.Value;
        await Broker.RestartAsync();
        output.WriteLine($"Node {Broker.NodeName} restarted in {Broker.LastStartDuration.TotalSeconds:0.0} s.");

        Assert.NotEqual(before, Broker.NodeProcessId);
        Assert.False(GroupLeaderProcess.GroupHasMembers(before), "A process of the stopped node is still running.");
        await using IConnection again = await Broker.ConnectAsync();
        Assert.Equal(Broker.AmqpPort, again.Endpoint.Port);
        await using IChannel reader = await again.CreateChannelAsync();
        BasicGetResult? got = await reader.BasicGetAsync(queue, autoAck: true);
        Assert.NotNull(got);
        Assert.Equal(body, got.Body.ToArray());
        await reader.QueueDeleteAsync(queue);
    }

    [Fact]
    public async Task OwnNode_WithAShortConsumerTimeout_ClosesAChannelThatHoldsADelivery_AndStopLeavesNothing()
    {
        RabbitMqBroker broker = await RabbitMqBroker.StartAsync(new RabbitMqBrokerOptions { ConsumerTimeout = TimeSpan.FromSeconds(2) });
        int node = broker.NodeProcessId!.Value;
        int epmd = broker.EpmdProcessId!.Value;
        string directory = broker.DataDirectory;
        Assert.NotEqual(fixture.Broker.AmqpPort, broker.AmqpPort);
        Assert.NotEqual(fixture.Broker.NodeName, broker.NodeName);
        try
        {
            string queue = QueueName();
            await using IConnection connection = await broker.ConnectAsync();
            await using IChannel channel = await connection.CreateChannelAsync();
            var closed = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
            channel.ChannelShutdownAsync += (_, reason) =>
            {
                closed.TrySetResult(reason);
                return Task.CompletedTask;
            };
            var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, _) =>
            {
                delivered.TrySetResult();   // and never acknowledged
                return Task.CompletedTask;
            };

            await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: false);
            await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
            await channel.BasicPublishAsync("", queue, Encoding.UTF8.GetBytes("held"));
            await delivered.Task.WaitAsync(Patience);
            ShutdownEventArgs reason = await closed.Task.WaitAsync(Patience);

            Assert.Equal(ShutdownInitiator.Peer, reason.Initiator);
            Assert.Equal(406, reason.ReplyCode);   // PRECONDITION_FAILED
            Assert.Contains("acknowledgement", reason.ReplyText, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await broker.DisposeAsync();
        }

        Assert.False(GroupLeaderProcess.GroupHasMembers(node), "A process of the node is still running.");
        Assert.False(GroupLeaderProcess.GroupHasMembers(epmd), "The node's epmd is still running.");
        Assert.False(Directory.Exists(directory), "The node's directory was not deleted.");
    }

    private static CreateChannelOptions Confirmed { get; } =
        new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    private static string QueueName() => "fixture-" + Guid.NewGuid().ToString("N");
}
