using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Mpms.Hosting.RabbitMQ.TestHost;
using RabbitMQ.Client;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.SingleHost;

/// <summary>Job priorities through the broker: jobs that wait in the job queue are taken highest priority first.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class PriorityTests(RabbitMqBrokerFixture fixture)
{
    [Fact]
    public async Task JobsWaitingOnTheBroker_RunHighestPriorityFirst_InPutOrderWithinAPriority()
    {
        string prefix = InProcessHost.NewPrefix();
        string started = Path.GetTempFileName();

        // The test workers record every job they start in this file; the collection runs alone, so no other host reads it.
        Environment.SetEnvironmentVariable("TESTHOST_STARTED", started);

        // One thread and no prefetch: the broker gives the host one job at a time, so the rest wait in the job queue.
        using IHost host = InProcessHost.Build(
            fixture,
            prefix,
            pool: o => { o.ThreadsPerProcess = 1; o.Prefetch = 0; });
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();
            MpmsJobHandle<HostResult> blocker = await queue.PutAsync(new HostJob(100, 120_000));
            await FileWatch.UntilAsync(started, () => Started(started).Contains(100), "the blocking job to start", Patience);

            (int N, int Priority)[] puts = [(1, 0), (2, 0), (3, 5), (4, 5), (5, 9), (6, 9)];
            List<MpmsJobHandle<HostResult>> handles = [];
            foreach ((int n, int priority) in puts)
            {
                handles.Add(await queue.PutAsync(new HostJob(n, 0), new MpmsPutOptions { Priority = priority }));
            }

            await using (IConnection connection = await fixture.Broker.ConnectAsync())
            await using (IChannel channel = await connection.CreateChannelAsync())
            {
                Assert.Equal(6u, (await channel.QueueDeclarePassiveAsync($"{prefix}.HostWorker.jobs")).MessageCount);
            }

            blocker.Cancel();
            await Task.WhenAll(handles.Select(h => h.Completion)).WaitAsync(Patience);

            Assert.Equal([100, 5, 6, 3, 4, 1, 2], Started(started));
            Assert.All(handles, h => Assert.Equal(MpmsJobStatus.Succeeded, h.Status));
        }
        finally
        {
            await host.StopAsync();
            Environment.SetEnvironmentVariable("TESTHOST_STARTED", null);
            File.Delete(started);
        }
    }

    private static List<int> Started(string file) =>
        [.. File.ReadAllLines(file).Where(line => line.Length > 0).Select(line => int.Parse(line, System.Globalization.CultureInfo.InvariantCulture))];
}
