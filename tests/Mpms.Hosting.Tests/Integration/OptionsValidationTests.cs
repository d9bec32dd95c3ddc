using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mpms.Hosting.Tests.Infrastructure;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// Invalid pool options stop the host from starting, with one error that names every wrong key, before any worker
/// process is started. The host is built here rather than by <see cref="TestPool"/>, whose constructor resolves the
/// queue and would meet the invalid options before the host's start does.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class OptionsValidationTests
{
    [Fact]
    public async Task StartAsync_ProcessesZeroAndThreadsPerProcessNegative_FailsWithOneExceptionNamingBothKeys()
    {
        var logs = new ListLoggerProvider();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddMpms<TestWorker.TestWorker>(o =>
        {
            o.WorkerCommand = TestPool.WorkerProgram;
            o.Processes = 0;
            o.ThreadsPerProcess = -1;
        });
        using IHost host = builder.Build();

        OptionsValidationException ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Mpms:Processes ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Mpms:ThreadsPerProcess ", ex.Message, StringComparison.Ordinal);

        // Exactly the two wrong keys are reported, each with its value.
        string[] keyed = ex.Failures.Where(f => f.StartsWith("Mpms:", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, keyed.Length);
        Assert.Contains(keyed, f => f.StartsWith("Mpms:Processes ", StringComparison.Ordinal) && f.Contains("(it is 0)", StringComparison.Ordinal));
        Assert.Contains(keyed, f => f.StartsWith("Mpms:ThreadsPerProcess ", StringComparison.Ordinal) && f.Contains("(it is -1)", StringComparison.Ordinal));

        // The supervisor never started, and no worker process is running.
        Assert.DoesNotContain(logs.Entries, e => e.EventId.Name is "PoolStarting" or "ProcessStarted");
        Assert.DoesNotContain(ProcessProbe.ChildrenOf(Environment.ProcessId), pid => ProcessProbe.Executable(pid) == TestPool.WorkerProgram);
    }
}
