using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// A pool hosted by a test runner, as under <c>WebApplicationFactory&lt;Program&gt;</c>: this test process is a test
/// host, so starting it again runs no worker. A host named after the application's assembly (what the factory does)
/// starts its workers from that assembly; a host that is not fails at start, naming the key to set.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class TestHostTests
{
    private static readonly string TestWorkerAssembly = typeof(TestWorker.TestWorker).Assembly.GetName().Name!;

    [Fact]
    public async Task Pool_InATestHostNamedAfterTheApplication_StartsWorkersFromItsAssemblyWithTheMarkerLast()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.WorkerCommand = null, applicationName: TestWorkerAssembly);
        IHostEnvironment environment = pool.Host.Services.GetRequiredService<IHostEnvironment>();

        TestResult result = await pool.Queue.RunAsync(new TestJob("whoami"));

        Assert.NotEqual(Environment.ProcessId, result.ProcessId);
        Assert.Equal(Environment.ProcessId, ProcessProbe.ParentOf(result.ProcessId));
        Assert.StartsWith("mpms-TestWorker-p", result.ThreadName, StringComparison.Ordinal);
        Assert.Equal(
            [
                RunningProgram.Current.DotnetHost,
                typeof(TestWorker.TestWorker).Assembly.Location,
                $"--environment={environment.EnvironmentName}",
                $"--contentRoot={environment.ContentRootPath}",
                "--mpms-worker=TestWorker",
            ],
            ProcessProbe.CommandLine(result.ProcessId)!);
    }

    [Fact]
    public async Task Pool_InATestHostThatIsNotTheApplication_FailsAtStartNamingWorkerCommand()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestPool.StartAsync(o => o.WorkerCommand = null));

        Assert.Equal("TestWorker", ex.OptionsName);
        string failure = Assert.Single(ex.Failures);
        Assert.StartsWith("Mpms:WorkerCommand must name the program of the workers of pool 'TestWorker', because this program (", failure, StringComparison.Ordinal);
        Assert.Contains("is a test runner, not an application", failure, StringComparison.Ordinal);
    }
}
