using System.Buffers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.Tests.Unit.DependencyInjection;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Hosting;

public sealed class PoolRegistrarTests
{
    [Fact]
    public async Task Register_InTheApplication_MakesTheQueuesAndTheHostedServiceResolvable()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<ThumbWorker>();

        await using ServiceProvider provider = services.Build();

        IMpmsQueue<ThumbJob, int> unkeyed = provider.GetRequiredService<IMpmsQueue<ThumbJob, int>>();
        IMpmsQueue<ThumbJob, int> keyed = provider.GetRequiredKeyedService<IMpmsQueue<ThumbJob, int>>(nameof(ThumbWorker));
        Assert.Same(unkeyed, keyed);
        Assert.Equal(nameof(ThumbWorker), unkeyed.PoolName);
        Assert.Same(unkeyed, provider.GetRequiredKeyedService<MpmsPool<ThumbJob, int>>(nameof(ThumbWorker)));
        Assert.IsType<MpmsQueueRouter>(provider.GetRequiredService<IMpmsQueue>());
        Assert.IsType<PoolSupervisor<ThumbJob, int>>(Assert.Single(provider.GetServices<IHostedService>()));
        Assert.Same(unkeyed, Assert.Single(provider.GetServices<IJobRoute>()));
        Assert.Equal(MpmsPoolState.NotStarted, unkeyed.GetStats().State);
    }

    [Fact]
    public void Register_Worker_IsScopedSoEachWorkerThreadGetsItsOwn()
    {
        ServiceCollection services = Services.New();

        services.AddMpms<ThumbWorker>();

        Assert.Equal(ServiceLifetime.Scoped, Assert.Single(services, d => d.ServiceType == typeof(ThumbWorker)).Lifetime);
    }

    [Fact]
    public async Task Register_TwoPools_CoexistWithTheirOwnNamedOptions()
    {
        ServiceCollection services = Services.New(new Dictionary<string, string?>
        {
            ["Pools:Thumbs:Processes"] = "2",
            ["Pools:Thumbs:ThreadsPerProcess"] = "5",
            ["Pools:Mail:Processes"] = "1",
            ["Pools:Mail:QueueCapacity"] = "9",
        });
        services.AddMpms<ThumbWorker>("Pools:Thumbs");
        services.AddMpms<MailWorker>("Pools:Mail", o => o.Prefetch = 4);

        await using ServiceProvider provider = services.Build();

        IOptionsMonitor<MpmsOptions> options = provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>();
        MpmsOptions thumbs = options.Get(nameof(ThumbWorker));
        MpmsOptions mail = options.Get(nameof(MailWorker));
        Assert.Equal((2, 5, null, 0), (thumbs.Processes, thumbs.ThreadsPerProcess, thumbs.QueueCapacity, thumbs.Prefetch));
        Assert.Equal((1, 2, 9, 4), (mail.Processes, mail.ThreadsPerProcess, mail.QueueCapacity, mail.Prefetch));
        Assert.Same(thumbs, ((MpmsPool<ThumbJob, int>)provider.GetRequiredService<IMpmsQueue<ThumbJob, int>>()).Options);
        Assert.Same(mail, ((MpmsPool<MailJob, bool>)provider.GetRequiredService<IMpmsQueue<MailJob, bool>>()).Options);
        Assert.Equal(2, provider.GetServices<IHostedService>().Count());
        Assert.Equal(2, provider.GetServices<IValidateOptions<MpmsOptions>>().Count());
        Assert.Equal(2, provider.GetServices<IJobRoute>().Count());
    }

    [Fact]
    public async Task Register_TwoPoolsOfTheSameTypes_AreTellApartByKey()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<MailWorker>();
        services.AddMpms<BulkMailWorker>();

        await using ServiceProvider provider = services.Build();

        Assert.Equal(nameof(MailWorker), provider.GetRequiredKeyedService<IMpmsQueue<MailJob, bool>>(nameof(MailWorker)).PoolName);
        Assert.Equal(nameof(BulkMailWorker), provider.GetRequiredKeyedService<IMpmsQueue<MailJob, bool>>(nameof(BulkMailWorker)).PoolName);
    }

    [Fact]
    public async Task Register_CollectorAndResultStreamBoth_RefusesToMakeThePool()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<ThumbWorker>(o => o.EnableResultStream = true);
        services.AddSingleton<IMpmsCollector<ThumbJob, int>, NullCollector>();

        await using ServiceProvider provider = services.Build();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IMpmsQueue<ThumbJob, int>>());
        Assert.Contains("Mpms:EnableResultStream", ex.Message, StringComparison.Ordinal);
        Assert.Equal(nameof(ThumbWorker), ex.OptionsName);
    }

    [Fact]
    public async Task Register_WithACollector_GivesThePoolACollector()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<ThumbWorker>();
        services.AddSingleton<IMpmsCollector<ThumbJob, int>, NullCollector>();

        await using ServiceProvider provider = services.Build();

        Assert.True(provider.GetRequiredKeyedService<MpmsPool<ThumbJob, int>>(nameof(ThumbWorker)).HasCollector);
    }

    [Fact]
    public async Task Register_NoSerializerRegistered_UsesJson()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<ThumbWorker>();

        await using ServiceProvider provider = services.Build();

        Assert.IsType<MpmsJsonSerializer>(provider.GetRequiredKeyedService<MpmsPool<ThumbJob, int>>(nameof(ThumbWorker)).Serializer);
    }

    [Fact]
    public async Task Register_SerializerKeyedByPool_WinsOverTheUnkeyedOne()
    {
        var shared = new MarkerSerializer();
        var forThumbs = new MarkerSerializer();
        ServiceCollection services = Services.New();
        services.AddMpms<ThumbWorker>();
        services.AddMpms<MailWorker>();
        services.AddSingleton<IMpmsSerializer>(shared);
        services.AddKeyedSingleton<IMpmsSerializer>(nameof(ThumbWorker), forThumbs);

        await using ServiceProvider provider = services.Build();

        Assert.Same(forThumbs, provider.GetRequiredKeyedService<MpmsPool<ThumbJob, int>>(nameof(ThumbWorker)).Serializer);
        Assert.Same(shared, provider.GetRequiredKeyedService<MpmsPool<MailJob, bool>>(nameof(MailWorker)).Serializer);
    }

    private sealed class NullCollector : IMpmsCollector<ThumbJob, int>
    {
        public ValueTask CollectAsync(MpmsResult<ThumbJob, int> result, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class MarkerSerializer : IMpmsSerializer
    {
        public void Serialize<T>(T value, IBufferWriter<byte> destination) => throw new NotSupportedException();

        public T Deserialize<T>(ReadOnlySpan<byte> source) => throw new NotSupportedException();
    }
}
