using Microsoft.Extensions.Options;

namespace Mpms.Hosting.TestTelemetryApp;

/// <summary>
/// A hosted service no pool chose: it must start in the application only. It leaves a file named after the process it
/// started in, so the test sees every process that started it.
/// </summary>
public sealed class StartMarker(IOptions<TelemetryAppOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Directory is { Length: > 0 } directory)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, $"started-{Environment.ProcessId}.txt"), "started", cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
