using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Worker.Logging;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker;

/// <summary>
/// The worker role of a process, as the host sees it: reads the start-up variables the pool set, and runs the worker
/// process to its exit code (see <see cref="WorkerProcessRunner"/> for the steps, and the parts it wires in
/// <see cref="WorkerSession"/>).
/// </summary>
internal sealed class WorkerRuntime
{
    private readonly string _poolName;
    private readonly IServiceProvider _services;
    private readonly IJobInvoker _invoker;
    private readonly WorkerLogSink _logSink;
    private readonly WorkerTelemetry _telemetry;

    public WorkerRuntime(string poolName, IServiceProvider services, IJobInvoker invoker, ILoggerFactory loggerFactory, WorkerLogSink logSink, WorkerTelemetry telemetry)
    {
        _poolName = poolName;
        _services = services;
        _invoker = invoker;
        _logSink = logSink;
        _telemetry = telemetry;
        Logger = loggerFactory.CreateLogger("Mpms.Hosting.WorkerRuntime");
    }

    /// <summary>Gets the logger of everything the worker runtime logs.</summary>
    public ILogger Logger { get; }

    /// <summary>Runs the worker process to its end and returns its exit code.</summary>
    /// <exception cref="InvalidOperationException">The process was not started by a pool: a start-up variable is missing.</exception>
    public async Task<int> RunAsync()
    {
        WorkerStartup startup;
        using (Stream standardInput = Console.OpenStandardInput())
        {
            startup = await WorkerStartup.ReadAsync(standardInput, CancellationToken.None).ConfigureAwait(false);
        }

        var runner = new WorkerProcessRunner(_poolName, _services, _invoker, Logger, _logSink, WorkerProcessSeams.Default, _telemetry);
        return await runner.RunAsync(startup).ConfigureAwait(false);
    }
}
