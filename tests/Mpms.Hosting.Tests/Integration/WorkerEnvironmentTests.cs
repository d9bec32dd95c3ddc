using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// What a worker process's environment holds, read from the kernel's copy (<c>/proc/&lt;pid&gt;/environ</c>): the
/// defaults the library gives workers, and the pool's <see cref="MpmsOptions.WorkerEnvironment"/> over them; and that the
/// default for configuration reload leaves a worker without file watchers (<c>/proc/&lt;pid&gt;/fd</c>).
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class WorkerEnvironmentTests
{
    [Fact]
    public async Task WorkerProcess_NoWorkerEnvironment_GetsTheDefaults()
    {
        string[] environment = await WorkerEnvironmentAsync(_ => { });

        Assert.Contains("DOTNET_hostBuilder__reloadConfigOnChange=false", environment);
    }

    [Fact]
    public async Task WorkerProcess_WorkerEnvironmentSetsAVariableAndEmptiesADefault_GetsItsValueAndNotTheRemovedOne()
    {
        string[] environment = await WorkerEnvironmentAsync(o =>
        {
            o.WorkerEnvironment["DOTNET_GCgen0size"] = "0x1000000";
            o.WorkerEnvironment["DOTNET_hostBuilder__reloadConfigOnChange"] = "";
        });

        Assert.Contains("DOTNET_GCgen0size=0x1000000", environment);
        Assert.DoesNotContain(environment, v => v.StartsWith("DOTNET_hostBuilder__reloadConfigOnChange=", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("true", 1)]
    public async Task WorkerProcess_ConfigurationReload_WatchesFilesOnlyWhenTurnedBackOn(string? reloadConfigOnChange, int expectedWatchers)
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            if (reloadConfigOnChange is not null)
            {
                o.WorkerEnvironment["DOTNET_hostBuilder__reloadConfigOnChange"] = reloadConfigOnChange;
            }
        });
        TestResult worker = await pool.Queue.RunAsync(new TestJob("whoami", 1));

        // The host builder's file watchers are inotify instances: with reloading off the worker holds none.
        int watchers = new DirectoryInfo($"/proc/{worker.ProcessId}/fd").EnumerateFileSystemInfos()
            .Count(fd => fd.LinkTarget == "anon_inode:inotify");
        Assert.Equal(expectedWatchers, Math.Min(watchers, 1));
    }

    private static async Task<string[]> WorkerEnvironmentAsync(Action<MpmsOptions> configure)
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            configure(o);
        });
        TestResult worker = await pool.Queue.RunAsync(new TestJob("whoami", 1));
        return (await File.ReadAllTextAsync($"/proc/{worker.ProcessId}/environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }
}
