using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Tests.Unit.DependencyInjection;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

public sealed class MpmsQueueRouterTests
{
    [Fact]
    public async Task PutAsync_JobNoPoolTakes_ThrowsNamingItsType()
    {
        await using ServiceProvider provider = WithPools(s => s.AddMpms<ThumbWorker>());
        IMpmsQueue queue = provider.GetRequiredService<IMpmsQueue>();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.PutAsync(new OrphanJob(1)).AsTask());

        Assert.Contains(typeof(OrphanJob).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.Contains("No pool takes", ex.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => queue.TryPut(new OrphanJob(1), out _));
        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.RunAsync(new OrphanJob(1)));
    }

    [Fact]
    public async Task PutAsync_JobTwoPoolsTake_ThrowsAmbiguousNamingBothPools()
    {
        await using ServiceProvider provider = WithPools(s => { s.AddMpms<MailWorker>(); s.AddMpms<BulkMailWorker>(); });
        IMpmsQueue queue = provider.GetRequiredService<IMpmsQueue>();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.PutAsync(new MailJob("a@b")).AsTask());

        Assert.Contains("several pools", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(MailWorker), ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(BulkMailWorker), ex.Message, StringComparison.Ordinal);
        Assert.Contains("keyed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_BeforeTheHostStarted_ThrowsThatThePoolHasNotStarted()
    {
        await using ServiceProvider provider = WithPools(s => { s.AddMpms<ThumbWorker>(); s.AddMpms<MailWorker>(); });
        IMpmsQueue queue = provider.GetRequiredService<IMpmsQueue>();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.PutAsync(new ThumbJob("a.png")).AsTask());

        Assert.Contains($"Pool '{nameof(ThumbWorker)}' has not started", ex.Message, StringComparison.Ordinal);
        Assert.Contains("has not started", Assert.Throws<InvalidOperationException>(() => queue.TryPut(new MailJob("x"), out _)).Message, StringComparison.Ordinal);
        Assert.Contains("has not started", (await Assert.ThrowsAsync<InvalidOperationException>(() => queue.RunAsync(new ThumbJob("a.png")))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_NullJob_ThrowsArgumentNull()
    {
        var router = new MpmsQueueRouter([]);

        await Assert.ThrowsAsync<ArgumentNullException>(() => router.PutAsync<int>(null!).AsTask());
        Assert.Throws<ArgumentNullException>(() => router.TryPut<int>(null!, out _));
        await Assert.ThrowsAsync<ArgumentNullException>(() => router.RunAsync<int>(null!));
    }

    [Fact]
    public async Task PutAsync_EachJobType_GoesToThePoolThatTakesIt()
    {
        var thumbs = new FakeRoute("Thumbs", typeof(ThumbJob), typeof(int));
        var mail = new FakeRoute("Mail", typeof(MailJob), typeof(bool));
        var router = new MpmsQueueRouter([thumbs, mail]);

        await router.PutAsync(new ThumbJob("a"));
        router.TryPut(new MailJob("b"), out _);
        await router.RunAsync(new ThumbJob("c"));

        Assert.Equal(["PutAsync ThumbJob { Path = a }", "RunAsync ThumbJob { Path = c }"], thumbs.Calls);
        Assert.Equal(["TryPut MailJob { To = b }"], mail.Calls);
    }

    [Fact]
    public async Task PutAsync_WithOptions_GoesToThePoolThatTakesTheJobWithItsOptions()
    {
        var thumbs = new FakeRoute("Thumbs", typeof(ThumbJob), typeof(int));
        var router = new MpmsQueueRouter([thumbs, new FakeRoute("Mail", typeof(MailJob), typeof(bool))]);
        var options = new MpmsPutOptions { Priority = 7 };

        await router.PutAsync(new ThumbJob("a"), options);
        router.TryPut(new ThumbJob("b"), options, out _);
        await router.RunAsync(new ThumbJob("c"), options);

        Assert.Equal(["PutAsync ThumbJob { Path = a } priority 7", "TryPut ThumbJob { Path = b } priority 7", "RunAsync ThumbJob { Path = c } priority 7"], thumbs.Calls);
        await Assert.ThrowsAsync<ArgumentNullException>(() => router.PutAsync(new ThumbJob("d"), null!).AsTask());
    }

    [Fact]
    public async Task PutAsync_JobOfADerivedType_GoesToThePoolOfItsBaseType()
    {
        var route = new FakeRoute("Shapes", typeof(ShapeJob), typeof(int));
        var router = new MpmsQueueRouter([route, new FakeRoute("Mail", typeof(MailJob), typeof(bool))]);

        await router.PutAsync(new CircleJob(2));

        Assert.Single(route.Calls);
    }

    [Fact]
    public async Task PutAsync_JobWithTwoResultTypes_GoesToThePoolOfTheAskedResultType()
    {
        var counting = new FakeRoute("Counting", typeof(DualJob), typeof(int));
        var naming = new FakeRoute("Naming", typeof(DualJob), typeof(string));
        var router = new MpmsQueueRouter([counting, naming]);
        var job = new DualJob();

        await router.PutAsync<int>(job);
        await router.PutAsync<string>(job);

        Assert.Single(counting.Calls);
        Assert.Single(naming.Calls);
    }

    private static ServiceProvider WithPools(Action<IServiceCollection> register)
    {
        ServiceCollection services = Services.New();
        register(services);
        return services.Build();
    }

    public record ShapeJob : IMpmsJob<int>;

    public sealed record CircleJob(int Radius) : ShapeJob;

    /// <summary>A job that two pools with different result types can take.</summary>
    public sealed record DualJob : IMpmsJob<int>, IMpmsJob<string>;

    /// <summary>A route that only records what was put on it.</summary>
    private sealed class FakeRoute(string poolName, Type jobType, Type resultType) : IJobRoute
    {
        public List<string> Calls { get; } = [];

        public string PoolName => poolName;

        public Type JobType => jobType;

        public Type ResultType => resultType;

        public ValueTask<MpmsJobHandle<TResult>> PutAsync<TResult>(object job, MpmsPutOptions? options, CancellationToken cancellationToken)
        {
            Record(nameof(PutAsync), job, typeof(TResult), options);
            return ValueTask.FromResult<MpmsJobHandle<TResult>>(null!);
        }

        public bool TryPut<TResult>(object job, MpmsPutOptions? options, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle)
        {
            Record(nameof(TryPut), job, typeof(TResult), options);
            handle = null;
            return false;
        }

        public Task<TResult> RunAsync<TResult>(object job, MpmsPutOptions? options, CancellationToken cancellationToken)
        {
            Record(nameof(RunAsync), job, typeof(TResult), options);
            return Task.FromResult<TResult>(default!);
        }

        private void Record(string method, object job, Type asked, MpmsPutOptions? options)
        {
            // A route must only ever be asked for its own result type.
            Assert.True(resultType == asked, $"Route '{poolName}' (results of type {resultType.Name}) was asked for results of type {asked.Name}.");
            Calls.Add(options is null ? $"{method} {job}" : $"{method} {job} priority {options.Priority}");
        }
    }
}
