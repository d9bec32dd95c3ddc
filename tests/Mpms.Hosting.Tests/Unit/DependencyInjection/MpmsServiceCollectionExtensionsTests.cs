using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mpms.Hosting.Hosting;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.DependencyInjection;

public sealed class MpmsServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddMpms_SameWorkerTwice_RegistersOnePool()
    {
        ServiceCollection services = Services.New();

        services.AddMpms<ThumbWorker>();
        int afterFirst = services.Count;
        services.AddMpms<ThumbWorker>();
        services.AddMpms<ThumbWorker>(o => o.Processes = 1);
        services.AddMpms<ThumbWorker>("Elsewhere");

        Assert.Equal(afterFirst, services.Count);
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        Assert.Single(services, d => d.ServiceType == typeof(MpmsPoolMarker));
        await using ServiceProvider provider = services.Build();
        Assert.Single(provider.GetServices<IHostedService>());
    }

    [Fact]
    public async Task AddMpms_SameWorkerTwice_KeepsTheFirstConfiguration()
    {
        ServiceCollection services = Services.New();

        services.AddMpms<ThumbWorker>(o => o.Processes = 3);
        services.AddMpms<ThumbWorker>(o => o.Processes = 7);

        await using ServiceProvider provider = services.Build();
        Assert.Equal(3, provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(nameof(ThumbWorker)).Processes);
    }

    [Fact]
    public void AddMpms_OtherWorkerWithTheSameClassName_ThrowsNamingBothTypes()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<First.SameNameWorker>();
        int before = services.Count;

        var ex = Assert.Throws<InvalidOperationException>(() => services.AddMpms<Second.SameNameWorker>());

        Assert.Contains("'SameNameWorker'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(First.SameNameWorker).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(Second.SameNameWorker).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.Contains("rename", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, services.Count);
    }

    [Fact]
    public void AddMpms_WorkerImplementingTheInterfaceTwice_ThrowsArgumentException()
    {
        ServiceCollection services = Services.New();

        var ex = Assert.Throws<ArgumentException>(() => services.AddMpms<TwoFacedWorker>());

        Assert.Equal("TWorker", ex.ParamName);
        Assert.Contains(typeof(TwoFacedWorker).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.Contains("2 times", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(MpmsPoolMarker));
    }

    [Fact]
    public void AddMpms_ClassThatIsNoWorker_ThrowsArgumentException()
    {
        ServiceCollection services = Services.New();

        var ex = Assert.Throws<ArgumentException>(() => services.AddMpms<NotAWorker>());

        Assert.Contains("0 times", ex.Message, StringComparison.Ordinal);
        Assert.Contains("IMpmsWorker<TJob, TResult>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddMpms_AbstractWorker_ThrowsArgumentException()
    {
        ServiceCollection services = Services.New();
        int before = services.Count;

        var ex = Assert.Throws<ArgumentException>(() => services.AddMpms<AbstractWorker>());

        Assert.Contains("concrete", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, services.Count);
    }

    [Fact]
    public void AddMpms_NullServices_ThrowsArgumentNull()
    {
        IServiceCollection services = null!;

        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => services.AddMpms<ThumbWorker>()).ParamName);
        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => services.AddMpms<ThumbWorker>(o => o.Processes = 1)).ParamName);
        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => services.AddMpms<ThumbWorker>("Mpms")).ParamName);
    }

    [Fact]
    public void AddMpms_NullConfigure_ThrowsArgumentNull()
    {
        ServiceCollection services = Services.New();

        var ex = Assert.Throws<ArgumentNullException>(() => services.AddMpms<ThumbWorker>((Action<MpmsOptions>)null!));

        Assert.Equal("configure", ex.ParamName);
    }

    [Fact]
    public void AddMpms_NullSectionPath_ThrowsArgumentNull()
    {
        ServiceCollection services = Services.New();

        var ex = Assert.Throws<ArgumentNullException>(() => services.AddMpms<ThumbWorker>((string)null!));

        Assert.Equal("configSectionPath", ex.ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void AddMpms_EmptySectionPath_ThrowsArgumentException(string path)
    {
        ServiceCollection services = Services.New();

        var ex = Assert.Throws<ArgumentException>(() => services.AddMpms<ThumbWorker>(path));

        Assert.Equal("configSectionPath", ex.ParamName);
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(MpmsPoolMarker));
    }

    [Fact]
    public void AddMpms_Always_ReturnsTheSameCollection()
    {
        ServiceCollection services = Services.New();

        Assert.Same(services, services.AddMpms<ThumbWorker>());
        Assert.Same(services, services.AddMpms<ThumbWorker>());
        Assert.Same(services, services.AddMpms<MailWorker>("Pools:Mail", o => o.Processes = 1));
    }
}
