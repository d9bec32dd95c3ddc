using Microsoft.Extensions.Options;

namespace Mpms.Hosting.TestWebApp;

/// <summary>Where the app's own background service leaves its mark (section <c>TestWebApp</c>).</summary>
public sealed class MarkerOptions
{
    /// <summary>A file the background service appends its process id to; nothing is written when it is not set.</summary>
    public string? MarkerFile { get; set; }
}

/// <summary>
/// A user background service, as any web app has. It must run in the application only: a worker process is the same
/// program started again, and there no hosted service of the app may start. It appends its process id to the marker
/// file once, so a test can see every process it ever ran in.
/// </summary>
public sealed class MarkerService(IOptions<MarkerOptions> options) : BackgroundService
{
    private readonly TaskCompletionSource<int> _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets a task that completes with this process's id once the mark is written.</summary>
    public Task<int> Written => _written.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (options.Value.MarkerFile is { Length: > 0 } path)
            {
                await File.AppendAllTextAsync(path, $"{Environment.ProcessId}{Environment.NewLine}", stoppingToken);
            }

            _written.TrySetResult(Environment.ProcessId);
        }
        catch (Exception ex)
        {
            _written.TrySetException(ex);
            throw;
        }
    }
}
