using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Mpms.Hosting.RabbitMQ.TestHost;
using RabbitMQ.Client;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.SingleHost;

/// <summary>One host on the broker: its options are checked at start, a job goes round through RabbitMQ, a bad job fails in the caller.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class SingleHostTests(RabbitMqBrokerFixture fixture)
{
    [Theory]
    [InlineData("http://localhost:5672/", "MpmsRabbitMqOptions:Uri must use the amqp or amqps scheme")]
    [InlineData("not a uri", "MpmsRabbitMqOptions:Uri is not an absolute URI")]
    public async Task StartAsync_BadUri_FailsNamingTheKey(string uri, string expected)
    {
        using IHost host = InProcessHost.Build(o => o.Uri = uri);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_BadUriFromConfiguration_NamesTheSectionKey()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("Mpms:RabbitMq:Uri", "amqp://"), new("Mpms:RabbitMq:PutTimeout", "-00:00:01")]);
        builder.Services.AddMpms<HostWorker>(o => o.ExecutionMode = MpmsExecutionMode.InProcess)
            .UseRabbitMq(builder.Configuration.GetSection("Mpms:RabbitMq"));
        using IHost host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Mpms:RabbitMq:Uri", error.Message, StringComparison.Ordinal);
        Assert.Contains("Mpms:RabbitMq:PutTimeout must be positive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_WithARetryPredicateOrAVeryLongDelay_FailsInTheCallerAndAcceptsNothing()
    {
        using IHost host = InProcessHost.Build(fixture);
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();
            var pool = host.Services.GetRequiredService<IMpmsPool<HostJob, HostResult>>();
            (MpmsPutOptions Options, string Named)[] unsupported =
            [
                (new() { Delay = TimeSpan.FromDays(30) }, "does not carry a job's Delay or NotBefore beyond 24.20:30"),
                (new() { Priority = 5, Retry = new MpmsRetryOptions { MaxAttempts = 2, ShouldRetry = _ => true } }, "does not carry a job's Retry.ShouldRetry (a predicate does not travel with the job):"),
            ];

            foreach ((MpmsPutOptions options, string named) in unsupported)
            {
                var error = await Assert.ThrowsAsync<NotSupportedException>(() => queue.PutAsync(new HostJob(1, 0), options).AsTask());
                Assert.Contains(named, error.Message, StringComparison.Ordinal);
            }

            Assert.Equal(0, pool.GetStats().Accepted);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task PutAsync_WithPriorityOnAQuorumQueue_FailsInTheCallerAndAcceptsNothing()
    {
        using IHost host = InProcessHost.Build(o =>
        {
            o.Uri = fixture.Broker.AmqpUri.ToString();
            o.Prefix = InProcessHost.NewPrefix();
            o.QueueType = MpmsRabbitMqQueueType.Quorum;
        });
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();

            var error = await Assert.ThrowsAsync<NotSupportedException>(() => queue.PutAsync(new HostJob(1, 0), new MpmsPutOptions { Priority = 5 }).AsTask());
            HostResult plain = await queue.RunAsync(new HostJob(2, 0), new MpmsPutOptions { Priority = 0 }).WaitAsync(Patience);

            Assert.Contains("does not carry a job's Priority:", error.Message, StringComparison.Ordinal);
            Assert.Equal(2, plain.N);
            Assert.Equal(1, host.Services.GetRequiredService<IMpmsPool<HostJob, HostResult>>().GetStats().Accepted);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task RunAsync_OneHost_RoundTripsThroughTheBrokerQueue()
    {
        string prefix = InProcessHost.NewPrefix();
        using IHost host = InProcessHost.Build(fixture, prefix);
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();

            HostResult result = await queue.RunAsync(new HostJob(7, 0)).WaitAsync(Patience);
            MpmsJobHandle<HostResult> handle = await queue.PutAsync(new HostJob(8, 0));
            HostResult second = await handle.Completion.WaitAsync(Patience);

            Assert.Equal((7, 1), (result.N, result.Attempt));
            Assert.Equal(8, second.N);
            Assert.Equal(MpmsJobStatus.Succeeded, handle.Status);

            // The jobs went through the pool's durable queue on the broker, which is empty once they are answered.
            await using IConnection connection = await fixture.Broker.ConnectAsync();
            await using IChannel channel = await connection.CreateChannelAsync();
            QueueDeclareOk jobs = await channel.QueueDeclarePassiveAsync($"{prefix}.HostWorker.jobs");
            Assert.Equal(0u, jobs.MessageCount);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task PutAsync_JobThatCannotBeSerialised_FailsInTheCaller()
    {
        using IHost host = InProcessHost.Build(fixture);
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();

            await Assert.ThrowsAsync<MpmsSerializationException>(() => queue.PutAsync(new HostJob(1, 0, double.NaN)).AsTask());

            Assert.Equal(0, host.Services.GetRequiredService<IMpmsPool<HostJob, HostResult>>().GetStats().Accepted);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Cancel_JobOnTheBroker_EndsCanceledWithoutWaitingForItsRun()
    {
        using IHost host = InProcessHost.Build(fixture);
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();

            // Jobs that would run for two minutes, far past the wait below: only a cancel ends them in time.
            MpmsJobHandle<HostResult> handle = await queue.PutAsync(new HostJob(1, 120_000));
            handle.Cancel();
            using var cts = new CancellationTokenSource();
            Task<HostResult> run = queue.RunAsync(new HostJob(2, 120_000), cts.Token);
            await cts.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handle.Completion.WaitAsync(Patience));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Patience));
            Assert.Equal(MpmsJobStatus.Canceled, handle.Status);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task OutcomeForAHostThatIsGone_IsKeptInTheOrphanedOutcomesQueue()
    {
        string prefix = InProcessHost.NewPrefix();
        using IHost host = InProcessHost.Build(fixture, prefix);
        await host.StartAsync();
        try
        {
            await using IConnection connection = await fixture.Broker.ConnectAsync();
            await using IChannel channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

            // An outcome routed to a host id no queue is bound for: the alternate exchange keeps it.
            await channel.BasicPublishAsync($"{prefix}.HostWorker.outcomes", "a-host-that-is-gone", mandatory: true, new BasicProperties { CorrelationId = "job-1", Persistent = true }, new byte[] { 1, 2, 3 });
            BasicGetResult? kept = await channel.BasicGetAsync($"{prefix}.HostWorker.orphaned-outcomes", autoAck: true);

            Assert.NotNull(kept);
            Assert.Equal("job-1", kept.BasicProperties.CorrelationId);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task StartAsync_SeveralHostsAtOnce_DeclareTheSameQueuesAndAllRunJobs()
    {
        string prefix = InProcessHost.NewPrefix();
        IHost[] hosts = [.. Enumerable.Range(0, 4).Select(_ => InProcessHost.Build(fixture, prefix))];
        try
        {
            await Task.WhenAll(hosts.Select(h => h.StartAsync()));

            HostResult[] results = await Task.WhenAll(hosts.Select((h, i) => h.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>().RunAsync(new HostJob(i, 0)).WaitAsync(Patience)));

            Assert.Equal([0, 1, 2, 3], results.Select(r => r.N));
        }
        finally
        {
            await Task.WhenAll(hosts.Select(h => h.StopAsync()));
            foreach (IHost host in hosts)
            {
                host.Dispose();
            }
        }
    }

    [Fact]
    public async Task OutcomeThatCannotBeRead_EndsTheJobFailed_AndTheRealOneIsDropped()
    {
        string prefix = InProcessHost.NewPrefix();
        using IHost host = InProcessHost.Build(o => { o.Uri = fixture.Broker.AmqpUri.ToString(); o.Prefix = prefix; o.HostId = "reader"; });
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();
            MpmsJobHandle<HostResult> handle = await queue.PutAsync(new HostJob(1, 2_000));
            await using IConnection connection = await fixture.Broker.ConnectAsync();
            await using IChannel channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

            // A "result" whose body is too short to be one, for the job while it runs.
            var properties = new BasicProperties { CorrelationId = handle.JobId, Headers = new Dictionary<string, object?> { ["mpms-kind"] = "result" } };
            await channel.BasicPublishAsync($"{prefix}.HostWorker.outcomes", "reader", mandatory: true, properties, new byte[] { 1, 2 });

            var error = await Assert.ThrowsAsync<MpmsException>(() => handle.Completion.WaitAsync(Patience));
            Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
            Assert.Equal(MpmsJobStatus.Failed, handle.Status);

            // The job's own outcome still comes, and is dropped: the next job shows the host is fine.
            Assert.Equal(2, (await queue.RunAsync(new HostJob(2, 0)).WaitAsync(Patience)).N);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
