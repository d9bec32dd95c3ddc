using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Mpms.Hosting.RabbitMQ.TestHost;
using RabbitMQ.Client;

namespace Mpms.Hosting.RabbitMQ.Tests.SingleHost;

/// <summary>Delayed jobs through the broker: they wait in a delay queue of their own, and outlive the host that put them.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class DelayTests(RabbitMqBrokerFixture fixture) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    // Long enough that what the tests do before the job's time (a round trip, a host's stop) is done well before it.
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(8);

    private readonly string _started = Path.GetTempFileName();

    [Fact]
    public async Task DelayedJob_WaitsInItsDelayQueue_ThenRunsAndCompletesItsHandle()
    {
        string prefix = InProcessHost.NewPrefix();
        using IHost host = Build(prefix);
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();

            MpmsJobHandle<HostResult> delayed = await queue.PutAsync(new HostJob(1, 0), new MpmsPutOptions { Delay = Delay });
            Assert.Equal((1u, 0u), await CountsAsync(prefix, delayed.JobId));

            // A job put after it, without a delay, runs while the delayed one still waits.
            HostResult now = await queue.RunAsync(new HostJob(2, 0)).WaitAsync(Patience);
            Assert.Equal([2], Started());
            Assert.False(delayed.Completion.IsCompleted);

            HostResult later = await delayed.Completion.WaitAsync(Patience);

            Assert.Equal((2, 1), (now.N, later.N));
            Assert.Equal([2, 1], Started());
            Assert.Equal((0u, 0u), await CountsAsync(prefix, delayed.JobId));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task DelayedJob_PutByAHostThatStops_RunsOnAnotherHost()
    {
        string prefix = InProcessHost.NewPrefix();
        MpmsJobHandle<HostResult> delayed;
        using (IHost putter = Build(prefix))
        {
            await putter.StartAsync();
            var queue = putter.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();
            delayed = await queue.PutAsync(new HostJob(7, 0), new MpmsPutOptions { Delay = Delay });
            await putter.StopAsync();
        }

        // The putting host is gone and the job still waits on the broker, unrun.
        Assert.Equal(MpmsJobStatus.Canceled, delayed.Status);
        Assert.Equal((1u, 0u), await CountsAsync(prefix, delayed.JobId));
        Assert.Empty(Started());

        using IHost other = Build(prefix);
        await other.StartAsync();
        try
        {
            await WaitUntilAsync(() => Started().Contains(7), "the other host to run the delayed job");

            Assert.Equal([7], Started());
        }
        finally
        {
            await other.StopAsync();
        }
    }

    [Fact]
    public async Task Cancel_DelayedJob_EndsCanceledAtOnce_AndTakesItOffTheBroker()
    {
        string prefix = InProcessHost.NewPrefix();
        using IHost host = Build(prefix);
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();

            // Longer than the hour a host remembers a cancel: only taking the job off the broker keeps it from running.
            MpmsJobHandle<HostResult> delayed = await queue.PutAsync(new HostJob(3, 0), new MpmsPutOptions { Delay = TimeSpan.FromHours(2) });
            Assert.Equal((1u, 0u), await CountsAsync(prefix, delayed.JobId));

            delayed.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delayed.Completion.WaitAsync(Patience));
            Assert.Equal(MpmsJobStatus.Canceled, delayed.Status);
            await using IConnection connection = await fixture.Broker.ConnectAsync();
            await using IChannel channel = await connection.CreateChannelAsync();
            var missing = await Assert.ThrowsAsync<global::RabbitMQ.Client.Exceptions.OperationInterruptedException>(() => channel.QueueDeclarePassiveAsync($"{prefix}.HostWorker.delay.{delayed.JobId}"));
            Assert.Equal((ushort)404, missing.ShutdownReason?.ReplyCode);
            Assert.Empty(Started());
        }
        finally
        {
            await host.StopAsync();
        }
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("TESTHOST_STARTED", null);
        File.Delete(_started);
    }

    private IHost Build(string prefix)
    {
        // The test workers record every job they start in this file; the collection runs alone, so no other host reads it.
        Environment.SetEnvironmentVariable("TESTHOST_STARTED", _started);
        return InProcessHost.Build(o => { o.Uri = fixture.Broker.AmqpUri.ToString(); o.Prefix = prefix; });
    }

    private List<int> Started() =>
        [.. File.ReadAllLines(_started).Where(line => line.Length > 0).Select(line => int.Parse(line, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>The messages in the job's delay queue and in the pool's job queue.</summary>
    private async Task<(uint Delayed, uint Jobs)> CountsAsync(string prefix, string jobId)
    {
        await using IConnection connection = await fixture.Broker.ConnectAsync();
        await using IChannel channel = await connection.CreateChannelAsync();
        QueueDeclareOk delayed = await channel.QueueDeclarePassiveAsync($"{prefix}.HostWorker.delay.{jobId}");
        QueueDeclareOk jobs = await channel.QueueDeclarePassiveAsync($"{prefix}.HostWorker.jobs");
        return (delayed.MessageCount, jobs.MessageCount);
    }

    // Polls the file the workers write: what is awaited is the host's progress, bounded so a broken run fails.
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token).ContinueWith(t => Assert.False(t.IsCanceled, $"Timed out waiting for {what}."), TaskScheduler.Default);
        }
    }
}
