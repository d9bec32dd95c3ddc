using Microsoft.Extensions.Configuration;
using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class WorkerCommandLineTests
{
    private const string Pool = "Thumbs";

    /// <summary>A test runner under the dotnet host that loaded the application "Shop.Web" to run its entry point.</summary>
    private static readonly RunningProgram TestRunner = new()
    {
        ProcessPath = "/usr/share/dotnet/dotnet",
        CommandLineArgs = ["/tests/bin/testhost.dll", "--port", "4711"],
        EntryAssemblyName = "testhost",
        IsTestHost = true,
        DotnetHost = "/usr/share/dotnet/dotnet",
        FindApplication = name => name == "Shop.Web" ? "/tests/bin/Shop.Web.dll" : null,
    };

    [Fact]
    public void TryResolve_WorkerCommandSet_UsesItWithItsArgumentsAlone()
    {
        var options = new MpmsOptions { WorkerCommand = "thumb-worker" };
        options.WorkerArguments.Add("--role");
        options.WorkerArguments.Add("a b");

        WorkerCommandLine command = Resolve(options, new HostApplication("Shop.Web", "Testing", "/src/Shop.Web"), TestRunner);

        Assert.Equal("thumb-worker", command.FileName);
        Assert.Equal(["--role", "a b"], command.Arguments);
    }

    [Fact]
    public void TryResolve_WorkerCommandSet_CopiesTheArguments()
    {
        var options = new MpmsOptions { WorkerCommand = "thumb-worker" };
        options.WorkerArguments.Add("--one");

        WorkerCommandLine command = Resolve(options, HostApplication.Unknown, TestRunner);
        options.WorkerArguments.Add("--two");

        Assert.Equal(["--one"], command.Arguments);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void TryResolve_NoWorkerCommandInAnAppHost_StartsItAgainWithItsArgumentsAndTheMarker(string? workerCommand)
    {
        var options = new MpmsOptions { WorkerCommand = workerCommand };
        options.WorkerArguments.Add("--ignored-without-a-command");
        var program = new RunningProgram
        {
            ProcessPath = "/srv/shop/Shop.Web",
            CommandLineArgs = ["/srv/shop/Shop.Web.dll", "--urls", "http://+:80"],
            EntryAssemblyName = "Shop.Web",
        };

        WorkerCommandLine command = Resolve(options, new HostApplication("Shop.Web", "Production", "/srv/shop"), program);

        Assert.Equal("/srv/shop/Shop.Web", command.FileName);
        Assert.Equal(["--urls", "http://+:80", "--mpms-worker=Thumbs"], command.Arguments);
    }

    [Fact]
    public void Marker_ReadByTheCommandLineConfigurationProvider_AddsOnlyItsOwnKey()
    {
        string[] application = ["--urls", "http://+:80", "--Mpms:Processes=3", "/Logging:LogLevel:Default=Debug"];
        var program = new RunningProgram { ProcessPath = "/srv/shop/Shop.Web", CommandLineArgs = ["/srv/shop/Shop.Web.dll", .. application], EntryAssemblyName = "Shop.Web" };
        WorkerCommandLine command = Resolve(new MpmsOptions(), HostApplication.Unknown, program);

        Dictionary<string, string?> app = Configuration(application);
        Dictionary<string, string?> worker = Configuration(command.Arguments);

        Assert.Equal(3, app.Count);
        Assert.Equal(app.Append(new("mpms-worker", "Thumbs")).OrderBy(kv => kv.Key), worker.OrderBy(kv => kv.Key));

        static Dictionary<string, string?> Configuration(IEnumerable<string> args) =>
            new ConfigurationBuilder().AddCommandLine([.. args]).Build()
                .AsEnumerable().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    [Fact]
    public void TryResolve_NoWorkerCommandThroughTheDotnetHost_StartsTheEntryAssemblyAgainWithItsArgumentsAndTheMarker()
    {
        var program = new RunningProgram
        {
            ProcessPath = "/usr/share/dotnet/dotnet",
            CommandLineArgs = ["/srv/shop/Shop.Web.dll", "--urls", "http://+:80"],
            EntryAssemblyName = "Shop.Web",
            FindApplication = _ => "/elsewhere/Shop.Web.dll",
        };

        WorkerCommandLine command = Resolve(new MpmsOptions(), new HostApplication("Shop.Web", "Production", "/srv/shop"), program);

        Assert.Equal("/usr/share/dotnet/dotnet", command.FileName);
        Assert.Equal(["/srv/shop/Shop.Web.dll", "--urls", "http://+:80", "--mpms-worker=Thumbs"], command.Arguments);
    }

    [Fact]
    public void TryResolve_TestHostRanTheApplication_StartsTheApplicationsAssemblyWithItsEnvironmentAndContentRoot()
    {
        WorkerCommandLine command = Resolve(new MpmsOptions(), new HostApplication("Shop.Web", "Development", "/src/Shop.Web"), TestRunner);

        Assert.Equal("/usr/share/dotnet/dotnet", command.FileName);
        Assert.Equal(["/tests/bin/Shop.Web.dll", "--environment=Development", "--contentRoot=/src/Shop.Web", "--mpms-worker=Thumbs"], command.Arguments);
    }

    [Theory]
    [InlineData("testhost")]
    [InlineData("Shop.Tests")]
    [InlineData(null)]
    public void TryResolve_TestHostWithoutTheApplicationsAssembly_FailsSayingWhy(string? applicationName)
    {
        bool resolved = WorkerCommandLine.TryResolve(new MpmsOptions(), Pool, new HostApplication(applicationName, "Development", "/src"), TestRunner, out _, out string? problem);

        Assert.False(resolved);
        Assert.StartsWith("this program (testhost) is a test runner, not ", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryResolve_ApplicationNamedOtherThanItsEntryAssemblyButNotRunnable_StartsTheRunningProgramAgain()
    {
        // An application may name itself after a library (to find its controllers there): that is no test host.
        var program = new RunningProgram
        {
            ProcessPath = "/srv/shop/Shop.Host",
            CommandLineArgs = ["/srv/shop/Shop.Host.dll"],
            EntryAssemblyName = "Shop.Host",
        };

        WorkerCommandLine command = Resolve(new MpmsOptions(), new HostApplication("Shop.Controllers", "Production", "/srv/shop"), program);

        Assert.Equal("/srv/shop/Shop.Host", command.FileName);
        Assert.Equal(["--mpms-worker=Thumbs"], command.Arguments);
    }

    [Fact]
    public void TryResolve_RunningProgramUnknown_FailsSayingWhy()
    {
        var program = new RunningProgram { EntryAssemblyName = "Shop.Web" };

        bool resolved = WorkerCommandLine.TryResolve(new MpmsOptions(), Pool, HostApplication.Unknown, program, out _, out string? problem);

        Assert.False(resolved);
        Assert.Contains("path of the running program is unknown", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Current_InThisTestProcess_IsATestHostThatFindsALoadedApplicationWithItsRuntimeConfig()
    {
        RunningProgram current = RunningProgram.Current;

        Assert.True(current.IsTestHost, $"{current.EntryAssemblyName} was not seen as a test runner.");
        string? worker = current.FindApplication(typeof(TestWorker.TestWorker).Assembly.GetName().Name!);
        Assert.Equal(typeof(TestWorker.TestWorker).Assembly.Location, worker);

        // The library is loaded too, but it has no entry point: it is no application.
        Assert.Null(current.FindApplication(typeof(MpmsOptions).Assembly.GetName().Name!));
        Assert.True(File.Exists(current.DotnetHost), $"No dotnet host at {current.DotnetHost}.");
    }

    [Fact]
    public void TryResolve_InThisTestProcessWithoutAnApplication_FailsSayingItIsATestRunner()
    {
        bool resolved = WorkerCommandLine.TryResolve(new MpmsOptions(), Pool, HostApplication.Unknown, RunningProgram.Current, out _, out string? problem);

        Assert.False(resolved);
        Assert.EndsWith("is a test runner, not an application: started again, it would run no worker", problem, StringComparison.Ordinal);
    }

    private static WorkerCommandLine Resolve(MpmsOptions options, HostApplication application, RunningProgram program)
    {
        Assert.True(WorkerCommandLine.TryResolve(options, Pool, application, program, out WorkerCommandLine? command, out string? problem), problem);
        return command;
    }
}
