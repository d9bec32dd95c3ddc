using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>Service collections like an application's, with in-memory configuration and logging.</summary>
internal static class Services
{
    public static ServiceCollection New(IEnumerable<KeyValuePair<string, string?>>? configuration = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration ?? []).Build());
        return services;
    }

    public static ServiceProvider Build(this IServiceCollection services) =>
        services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
}
