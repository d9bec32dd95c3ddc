using System.Buffers;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Registration;
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
        MpmsPool<ThumbJob, int> pool = provider.GetRequiredKeyedService<MpmsPool<ThumbJob, int>>(nameof(ThumbWorker));
        Assert.Same(unkeyed, pool.Queue);
        Assert.Same(pool, provider.GetRequiredService<IMpmsPool<ThumbJob, int>>());
        Assert.Same(pool, provider.GetRequiredKeyedService<IMpmsPool<ThumbJob, int>>(nameof(ThumbWorker)));
        Assert.Same(pool, provider.GetRequiredKeyedService<IMpmsPool>(nameof(ThumbWorker)));
        Assert.IsType<MpmsQueueRouter>(provider.GetRequiredService<IMpmsQueue>());
        Assert.Same(pool, Assert.Single(provider.GetServices<IHostedService>()));
        Assert.Same(unkeyed, Assert.Single(provider.GetServices<IJobRoute>()));
        Assert.Equal(MpmsPoolState.NotStarted, pool.GetStats().State);
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
        services.AddMpms<ThumbWorker>("thumbs", "Pools:Thumbs");
        services.AddMpms<MailWorker>("mail", "Pools:Mail").Configure(o => o.Prefetch = 4);

        await using ServiceProvider provider = services.Build();

        IOptionsMonitor<MpmsOptions> options = provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>();
        MpmsOptions thumbs = options.Get("thumbs");
        MpmsOptions mail = options.Get("mail");
        Assert.Equal((2, 5, null, null), (thumbs.Processes, thumbs.ThreadsPerProcess, thumbs.QueueCapacity, thumbs.Prefetch));
        Assert.Equal((1, 2, 9, 4), (mail.Processes, mail.ThreadsPerProcess, mail.QueueCapacity, mail.Prefetch));
        Assert.Equal(("thumbs", 2), (provider.GetRequiredService<IMpmsPool<ThumbJob, int>>().Name, ((IPoolStatus)provider.GetRequiredService<IMpmsPool<ThumbJob, int>>()).ConfiguredProcesses));
        Assert.Equal(("mail", 1), (provider.GetRequiredService<IMpmsPool<MailJob, bool>>().Name, ((IPoolStatus)provider.GetRequiredService<IMpmsPool<MailJob, bool>>()).ConfiguredProcesses));
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
        services.AddMpms<ThumbWorker>(o => o.EnableResultStream = false);
        services.AddSingleton<IMpmsCollector<ThumbJob, int>, NullCollector>();

        await using ServiceProvider provider = services.Build();

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IMpmsPool<ThumbJob, int>>().ReadResultsAsync());
        Assert.Contains("registered: outcomes go to the collector", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCollector_OnTheBuilder_GivesOnlyThatPoolACollector()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<MailWorker>().AddCollector<MailCollector>();
        services.AddMpms<BulkMailWorker>(o => o.EnableResultStream = true);

        await using ServiceProvider provider = services.Build();

        Assert.IsType<MailCollector>(Assert.Single(provider.GetKeyedServices<IMpmsCollector<MailJob, bool>>(nameof(MailWorker))));
        Assert.Empty(provider.GetKeyedServices<IMpmsCollector<MailJob, bool>>(nameof(BulkMailWorker)));
        Assert.Throws<InvalidOperationException>(() => provider.GetRequiredKeyedService<IMpmsPool<MailJob, bool>>(nameof(MailWorker)).ReadResultsAsync());
        Assert.NotNull(provider.GetRequiredKeyedService<IMpmsPool<MailJob, bool>>(nameof(BulkMailWorker)).ReadResultsAsync());
    }

    [Fact]
    public void AddCollector_OfAnotherPoolsTypes_ThrowsNamingTheTypes()
    {
        ServiceCollection services = Services.New();

        var ex = Assert.Throws<ArgumentException>(() => services.AddMpms<ThumbWorker>().AddCollector<MailCollector>());

        Assert.Contains(nameof(MailCollector), ex.Message, StringComparison.Ordinal);
        Assert.Contains("IMpmsCollector<ThumbJob, Int32>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuilderRegistrations_AreKeyedByThePoolsName()
    {
        ServiceCollection services = Services.New();

        services.AddMpms<ThumbWorker>("thumbs")
            .AddProcessInitializer<NullInitializer>()
            .AddThreadInitializer<NullInitializer>()
            .AddProcessFinalizer<NullInitializer>()
            .AddThreadFinalizer<NullInitializer>()
            .UseSerializer<MarkerSerializer>();

        Assert.Equal(
            [(typeof(IProcessInitializer), ServiceLifetime.Singleton), (typeof(IThreadInitializer), ServiceLifetime.Scoped), (typeof(IProcessFinalizer), ServiceLifetime.Singleton), (typeof(IThreadFinalizer), ServiceLifetime.Scoped), (typeof(IMpmsSerializer), ServiceLifetime.Singleton)],
            services.Where(d => d.IsKeyedService && Equals(d.ServiceKey, "thumbs") && d.KeyedImplementationType is not null).Select(d => (d.ServiceType, d.Lifetime)));
    }

    [Fact]
    public async Task Register_NoSerializerRegistered_UsesJson()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<ThumbWorker>();

        await using ServiceProvider provider = services.Build();

        Assert.IsType<MpmsJsonSerializer>(provider.GetRequiredKeyedService<MpmsPool<ThumbJob, int>>(nameof(ThumbWorker)).Queue.Serializer);
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

        Assert.Same(forThumbs, provider.GetRequiredKeyedService<MpmsPool<ThumbJob, int>>(nameof(ThumbWorker)).Queue.Serializer);
        Assert.Same(shared, provider.GetRequiredKeyedService<MpmsPool<MailJob, bool>>(nameof(MailWorker)).Queue.Serializer);
    }

    [Fact]
    public async Task UseJsonSerializer_GivesThatPoolAJsonSerializerWithTheOptions()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<ThumbWorker>().UseJsonSerializer(ThumbJson.Default.Options);
        services.AddMpms<MailWorker>();

        await using ServiceProvider provider = services.Build();

        IMpmsSerializer thumbs = provider.GetRequiredKeyedService<MpmsPool<ThumbJob, int>>(nameof(ThumbWorker)).Queue.Serializer;
        Assert.Same(thumbs, provider.GetRequiredKeyedService<IMpmsSerializer>(nameof(ThumbWorker)));
        Assert.NotSame(thumbs, provider.GetRequiredKeyedService<MpmsPool<MailJob, bool>>(nameof(MailWorker)).Queue.Serializer);
        using var buffer = new PooledBufferWriter();
        thumbs.Serialize(new ThumbJob("a.png"), buffer);
        Assert.Equal("a.png", thumbs.Deserialize<ThumbJob>(buffer.WrittenMemory.Span).Path);
    }

    [Fact]
    public async Task Resolve_JsonOptionsWithoutTheJobType_FailsNamingThePoolTheTypeAndTheRemedy()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<MailWorker>().UseJsonSerializer(ThumbJson.Default.Options);

        await using ServiceProvider provider = services.Build();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredKeyedService<MpmsPool<MailJob, bool>>(nameof(MailWorker)));
        Assert.Contains($"Pool '{nameof(MailWorker)}' cannot serialise its job type '{typeof(MailJob).FullName}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[JsonSerializable(typeof(MailJob))]", error.Message, StringComparison.Ordinal);
        Assert.Contains(".UseJsonSerializer(", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_JsonOptionsWithoutTheResultType_FailsNamingTheResultType()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<ThumbWorker>().UseJsonSerializer(ThumbJobOnlyJson.Default.Options);

        await using ServiceProvider provider = services.Build();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredKeyedService<MpmsPool<ThumbJob, int>>(nameof(ThumbWorker)));
        Assert.Contains("cannot serialise its result type 'System.Int32'", error.Message, StringComparison.Ordinal);
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

    private sealed class MailCollector : IMpmsCollector<MailJob, bool>
    {
        public ValueTask CollectAsync(MpmsResult<MailJob, bool> result, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private sealed class NullInitializer : IProcessInitializer, IThreadInitializer, IProcessFinalizer, IThreadFinalizer
    {
        public ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask InitializeAsync(MpmsThreadContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask FinalizeAsync(MpmsProcessContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask FinalizeAsync(MpmsThreadContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}

[JsonSerializable(typeof(ThumbJob))]
[JsonSerializable(typeof(int))]
internal sealed partial class ThumbJson : JsonSerializerContext;

[JsonSerializable(typeof(ThumbJob))]
internal sealed partial class ThumbJobOnlyJson : JsonSerializerContext;
