using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Mpms.Hosting.RabbitMQ.TestHost;
using RabbitMQ.Client;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.SingleHost;

/// <summary>Delayed jobs through the broker: they wait in a delay queue of their own, and outlive the host that put them.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class DelayTests(RabbitMqBrokerFixture fixture) : IDisposable
{
    // A delay no test outlives: a job put with it is still waiting whatever the machine's load.
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);

    // A delay the tests wait out; nothing they assert depends on doing anything within it.
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(2);

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

            MpmsJobHandle<HostResult> waiting = await queue.PutAsync(new HostJob(1, 0), new MpmsPutOptions { Delay = Never });
            var sincePut = Stopwatch.StartNew();
            MpmsJobHandle<HostResult> delayed = await queue.PutAsync(new HostJob(3, 0), new MpmsPutOptions { Delay = Short });
            Assert.Equal(1u, (await CountsAsync(prefix, waiting.JobId)).Delayed);

            // A job put after them, without a delay, runs while the delayed ones wait on the broker.
            HostResult now = await queue.RunAsync(new HostJob(2, 0)).WaitAsync(Patience);
            Assert.DoesNotContain(1, Started());

            // The short one runs once its time has come, and not before: its time began after the clock did.
            HostResult later = await delayed.Completion.WaitAsync(Patience);
            Assert.True(sincePut.Elapsed >= Short, $"The job delayed by {Short} completed {sincePut.Elapsed} after it was put.");
            Assert.Equal((2, 3), (now.N, later.N));
            Assert.Equal(0u, (await CountsAsync(prefix, delayed.JobId)).Delayed);

            // The long one still waits, unrun; a cancel takes it off the broker.
            Assert.DoesNotContain(1, Started());
            Assert.False(waiting.Completion.IsCompleted);
            waiting.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Completion.WaitAsync(Patience));
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
            delayed = await queue.PutAsync(new HostJob(7, 0), new MpmsPutOptions { Delay = Short });
            await putter.StopAsync();
        }

        // The putting host is gone, no host consumes, and the job is on the broker, unrun: in its delay queue, or in
        // the job queue if its time has come meanwhile.
        Assert.Equal(MpmsJobStatus.Canceled, delayed.Status);
        (uint waiting, uint due) = await CountsAsync(prefix, delayed.JobId);
        Assert.Equal(1u, waiting + due);
        Assert.Empty(Started());

        using IHost other = Build(prefix);
        await other.StartAsync();
        try
        {
            await FileWatch.UntilAsync(_started, () => Started().Contains(7), "the other host to run the delayed job", Patience);

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
        return InProcessHost.Build(fixture, prefix);
    }

    private List<int> Started() =>
        [.. File.ReadAllLines(_started).Where(line => line.Length > 0).Select(line => int.Parse(line, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>The messages in the job's delay queue (0 once the queue is gone) and in the pool's job queue.</summary>
    private async Task<(uint Delayed, uint Jobs)> CountsAsync(string prefix, string jobId)
    {
        await using IConnection connection = await fixture.Broker.ConnectAsync();
        uint delayed;
        await using (IChannel probe = await connection.CreateChannelAsync())
        {
            try
            {
                delayed = (await probe.QueueDeclarePassiveAsync($"{prefix}.HostWorker.delay.{jobId}")).MessageCount;
            }
            catch (global::RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
                delayed = 0; // the channel is closed by the refusal: the next look uses another
            }
        }

        await using IChannel channel = await connection.CreateChannelAsync();
        QueueDeclareOk jobs = await channel.QueueDeclarePassiveAsync($"{prefix}.HostWorker.jobs");
        return (delayed, jobs.MessageCount);
    }
}
