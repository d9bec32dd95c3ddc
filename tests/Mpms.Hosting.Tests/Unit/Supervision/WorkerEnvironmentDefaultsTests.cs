using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class WorkerEnvironmentDefaultsTests
{
    [Fact]
    public void Apply_NothingSet_AddsEveryDefault()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["PATH"] = "/bin" };

        WorkerEnvironmentDefaults.Apply(environment, new Dictionary<string, string>());

        Assert.Equal("false", environment["DOTNET_hostBuilder__reloadConfigOnChange"]);
        Assert.Equal("/bin", environment["PATH"]);
    }

    [Fact]
    public void Apply_ApplicationStartedWithADefaultsVariable_KeepsTheApplicationsValue()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["DOTNET_hostBuilder__reloadConfigOnChange"] = "true" };

        WorkerEnvironmentDefaults.Apply(environment, new Dictionary<string, string>());

        Assert.Equal("true", environment["DOTNET_hostBuilder__reloadConfigOnChange"]);
    }

    [Fact]
    public void Apply_WorkerEnvironmentSetsOrEmptiesADefault_OverridesOrRemovesIt()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["APP_ONLY"] = "1" };
        var configured = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOTNET_GCgen0size"] = "0x1000000",
            ["DOTNET_hostBuilder__reloadConfigOnChange"] = "",
            ["APP_ONLY"] = "",
        };

        WorkerEnvironmentDefaults.Apply(environment, configured);

        Assert.Equal("0x1000000", environment["DOTNET_GCgen0size"]);
        Assert.False(environment.ContainsKey("DOTNET_hostBuilder__reloadConfigOnChange"));
        Assert.False(environment.ContainsKey("APP_ONLY"));
    }
}
