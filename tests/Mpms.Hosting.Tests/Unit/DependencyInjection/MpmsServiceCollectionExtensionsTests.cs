using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mpms.Hosting.Registration;
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
        services.AddMpms<ThumbWorker>(nameof(ThumbWorker), "Elsewhere");

        Assert.Equal(afterFirst + 1, services.Count); // the one Configure of the second call
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        Assert.Single(services, d => d.ServiceType == typeof(MpmsPoolMarker));
        await using ServiceProvider provider = services.Build();
        Assert.Single(provider.GetServices<IHostedService>());
    }

    [Fact]
    public async Task AddMpms_SameWorkerTwice_AppliesEachConfigurationInOrder()
    {
        ServiceCollection services = Services.New();

        services.AddMpms<ThumbWorker>(o => (o.Processes, o.ThreadsPerProcess) = (3, 4));
        services.AddMpms<ThumbWorker>(o => o.Processes = 7);

        await using ServiceProvider provider = services.Build();
        MpmsOptions options = provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(nameof(ThumbWorker));
        Assert.Equal((7, 4), (options.Processes, options.ThreadsPerProcess));
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
        Assert.Contains("another name", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, services.Count);
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
        Assert.Equal("services", Assert.Throws<ArgumentNullException>(() => services.AddMpms<ThumbWorker>("pool")).ParamName);
    }

    [Fact]
    public void AddMpms_NullConfigure_ThrowsArgumentNull()
    {
        ServiceCollection services = Services.New();

        var ex = Assert.Throws<ArgumentNullException>(() => services.AddMpms<ThumbWorker>((Action<MpmsOptions>)null!));

        Assert.Equal("configure", ex.ParamName);
    }

    [Fact]
    public void AddMpms_NullNameOrSectionPath_ThrowsArgumentNull()
    {
        ServiceCollection services = Services.New();

        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => services.AddMpms<ThumbWorker>((string)null!)).ParamName);
        Assert.Equal("configSectionPath", Assert.Throws<ArgumentNullException>(() => services.AddMpms<ThumbWorker>("thumbs", null!)).ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void AddMpms_EmptySectionPath_ThrowsArgumentException(string path)
    {
        ServiceCollection services = Services.New();

        var ex = Assert.Throws<ArgumentException>(() => services.AddMpms<ThumbWorker>("thumbs", path));

        Assert.Equal("configSectionPath", ex.ParamName);
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(MpmsPoolMarker));
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("slash/name")]
    [InlineData("ünïcode")]
    public void AddMpms_InvalidPoolName_ThrowsArgumentExceptionSayingWhatIsAllowed(string name)
    {
        ServiceCollection services = Services.New();

        var ex = Assert.Throws<ArgumentException>(() => services.AddMpms<ThumbWorker>(name));

        Assert.Equal("name", ex.ParamName);
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(MpmsPoolMarker));
    }

    [Fact]
    public void AddMpms_Always_ReturnsTheBuilderOfThatPool()
    {
        ServiceCollection services = Services.New();

        IMpmsPoolBuilder thumbs = services.AddMpms<ThumbWorker>();
        IMpmsPoolBuilder mail = services.AddMpms<MailWorker>("mail", "Pools:Mail");

        Assert.Equal((nameof(ThumbWorker), "mail"), (thumbs.Name, mail.Name));
        Assert.Same(services, thumbs.Services);
        Assert.Same(services, mail.Services);
        Assert.Equal(nameof(ThumbWorker), services.AddMpms<ThumbWorker>().Name);
    }

    [Fact]
    public async Task AddMpms_SameWorkerUnderTwoNames_RegistersTwoPoolsEachUnderItsName()
    {
        ServiceCollection services = Services.New();

        services.AddMpms<MailWorker>("mail-eu").Configure(o => o.Processes = 1);
        services.AddMpms<MailWorker>("mail-us").Configure(o => o.Processes = 2);

        await using ServiceProvider provider = services.Build();
        Assert.Equal(2, provider.GetServices<IHostedService>().Count());
        IMpmsPool eu = provider.GetRequiredKeyedService<IMpmsPool>("mail-eu");
        IMpmsPool us = provider.GetRequiredKeyedService<IMpmsPool>("mail-us");
        Assert.Equal(("mail-eu", "mail-us"), (eu.Name, us.Name));
        Assert.Equal("mail-us", provider.GetRequiredKeyedService<IMpmsQueue<MailJob, bool>>("mail-us").PoolName);
        var options = provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>();
        Assert.Equal((1, 2), (options.Get("mail-eu").Processes, options.Get("mail-us").Processes));
    }
}
