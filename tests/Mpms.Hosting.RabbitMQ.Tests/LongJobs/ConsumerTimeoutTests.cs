using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting.RabbitMQ.Tests.SingleHost;
using Mpms.Hosting.RabbitMQ.TestHost;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.LongJobs;

/// <summary>
/// The consumer-timeout trap: a job that runs longer than the broker's delivery-acknowledgement timeout would lose its
/// channel (and the host its consumer) and be given to another host. Turned into a lease before the timeout, it runs
/// once, gets one outcome, and the host goes on taking jobs.
/// </summary>
[Collection(ShortConsumerTimeoutCollection.Name)]
public sealed class ConsumerTimeoutTests(ShortConsumerTimeoutFixture fixture)
{
    [Fact]
    public async Task JobRunningPastTheConsumerTimeout_SucceedsOnce_AndTheHostKeepsConsuming()
    {
        string prefix = InProcessHost.NewPrefix();
        using IHost host = InProcessHost.Build(o =>
        {
            o.Uri = fixture.Broker.AmqpUri.ToString();
            o.Prefix = prefix;
            o.LongJobLeaseAfter = TimeSpan.FromSeconds(1);
        });
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();
            int runFor = (int)(ShortConsumerTimeoutFixture.ConsumerTimeout * 2.5).TotalMilliseconds;

            MpmsJobHandle<HostResult> handle = await queue.PutAsync(new HostJob(1, runFor));
            HostResult result = await handle.Completion.WaitAsync(Patience);

            Assert.Equal((MpmsJobStatus.Succeeded, 1), (handle.Status, result.Attempt));

            // Had the broker closed the consumer's channel, this host would take no job again.
            HostResult next = await queue.RunAsync(new HostJob(2, 0)).WaitAsync(Patience);
            Assert.Equal(2, next.N);

            await using IConnection connection = await fixture.Broker.ConnectAsync();
            await using (IChannel channel = await connection.CreateChannelAsync())
            {
                Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync($"{prefix}.HostWorker.jobs")).MessageCount);
            }

            // The lease queue is deleted with the outcome: nothing is left to send the job back.
            await using IChannel probe = await connection.CreateChannelAsync();
            var missing = await Assert.ThrowsAsync<OperationInterruptedException>(() => probe.QueueDeclarePassiveAsync($"{prefix}.HostWorker.lease.{handle.JobId}"));
            Assert.Equal((ushort)404, missing.ShutdownReason?.ReplyCode);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
