using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Mpms.Hosting.RabbitMQ.TestHost;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.SingleHost;

/// <summary>Progress a job reports on the host that runs it reaches the handle on the host that put it, through the broker.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class ProgressTests(RabbitMqBrokerFixture fixture) : IDisposable
{
    private readonly string _gate = Directory.CreateTempSubdirectory("mpms-progress-").FullName;

    public void Dispose() => Directory.Delete(_gate, recursive: true);

    [Fact]
    public async Task ReadProgressAsync_JobReportingThreeGatedValues_CallerSeesEachInOrderThenTheResult()
    {
        using IHost host = InProcessHost.Build(fixture);
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();
            MpmsJobHandle<HostResult> handle = await queue.PutAsync(new HostJob(1, 0, ProgressGate: _gate));
            List<int> seen = [];

            // The job reports its next value only once this reader has written the ack of the last one, so every value
            // must cross the broker before the job can end: none can replace another, or come after the result.
            using var timeout = new CancellationTokenSource(Patience);
            await foreach (int value in handle.ReadProgressAsync<int>(timeout.Token))
            {
                seen.Add(value);
                await File.WriteAllTextAsync(Path.Combine(_gate, $"ack{value}"), string.Empty, timeout.Token);
            }

            HostResult result = await handle.Completion.WaitAsync(Patience);

            Assert.Equal([1, 2, 3], seen);
            Assert.Equal(1, result.N);
            Assert.Equal(MpmsJobStatus.Succeeded, handle.Status);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
