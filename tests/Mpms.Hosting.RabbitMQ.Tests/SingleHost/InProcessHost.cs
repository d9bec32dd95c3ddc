using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting.RabbitMQ.TestHost;
using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

namespace Mpms.Hosting.RabbitMQ.Tests.SingleHost;

/// <summary>A host in the test process on the test broker, its pool in-process: enough to show one host's round trip.</summary>
internal static class InProcessHost
{
    /// <summary>Builds (not starts) a host whose pool of <see cref="HostWorker"/> goes through RabbitMQ, with a prefix of its own.</summary>
    public static IHost Build(Action<MpmsRabbitMqOptions> broker, Action<MpmsOptions>? pool = null, Action<IServiceCollection>? services = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        services?.Invoke(builder.Services);
        builder.Services.AddMpms<HostWorker>(options =>
        {
            options.ExecutionMode = MpmsExecutionMode.InProcess;
            options.Processes = 1;
            options.ThreadsPerProcess = 2;
            pool?.Invoke(options);
        }).UseRabbitMq(broker);
        return builder.Build();
    }

    /// <summary>Builds (not starts) such a host on the collection's broker, with <paramref name="prefix"/>, or a new one.</summary>
    public static IHost Build(RabbitMqBrokerFixture fixture, string? prefix = null, Action<MpmsOptions>? pool = null, Action<IServiceCollection>? services = null) =>
        Build(o => { o.Uri = fixture.Broker.AmqpUri.ToString(); o.Prefix = prefix ?? NewPrefix(); }, pool, services);

    /// <summary>A prefix no other test uses, so tests on one broker do not share queues.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];
}
