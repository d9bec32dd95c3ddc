using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Mpms.Hosting.RabbitMQ.TestHost;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.SingleHost;

/// <summary>The broker goes away under one host: the pool says so in its health, a put waits for the broker or fails with a clear error.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class BrokerOutageTests(RabbitMqBrokerFixture fixture)
{
    [Fact]
    public async Task BrokerDown_PoolIsDegradedAndPutsFailPastPutTimeout_ThenRecovers()
    {
        using IHost host = InProcessHost.Build(o =>
        {
            o.Uri = fixture.Broker.AmqpUri.ToString();
            o.Prefix = InProcessHost.NewPrefix();
            o.PutTimeout = TimeSpan.FromSeconds(1);
        });
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<IMpmsPool<HostJob, HostResult>>();
        var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();
        try
        {
            await queue.RunAsync(new HostJob(1, 0)).WaitAsync(Patience);
            Assert.Equal(MpmsPoolHealth.Healthy, pool.GetStats().Health);

            await fixture.Broker.StopNodeAsync();
            try
            {
                await WaitForHealthAsync(pool, MpmsPoolHealth.Degraded);
                var error = await Assert.ThrowsAsync<MpmsException>(() => queue.PutAsync(new HostJob(2, 0)).AsTask());
                Assert.Contains("could not put job", error.Message, StringComparison.Ordinal);
            }
            finally
            {
                await fixture.Broker.StartNodeAsync();
            }

            await WaitForHealthAsync(pool, MpmsPoolHealth.Healthy);
            HostResult after = await queue.RunAsync(new HostJob(3, 0)).WaitAsync(Patience);
            Assert.Equal(3, after.N);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    // The connection's state changes when the client notices: read it until it does, within a bound.
    private static async Task WaitForHealthAsync(IMpmsPool<HostJob, HostResult> pool, MpmsPoolHealth expected)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (pool.GetStats().Health != expected)
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
