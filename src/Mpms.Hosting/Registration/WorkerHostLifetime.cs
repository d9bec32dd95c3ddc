using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Worker;
using Microsoft.Extensions.Hosting;

namespace Mpms.Hosting.Registration;

/// <summary>
/// The host lifetime of a worker process. The host asks its lifetime before it starts any hosted service, so running
/// the worker here, and exiting the process at the end, means nothing else of the application ever starts in a
/// worker: no Kestrel listener, no user <c>BackgroundService</c>.
/// </summary>
internal sealed class WorkerHostLifetime(WorkerRuntime runtime, IServiceProvider services) : IHostLifetime
{
    private static readonly TimeSpan DisposeTimeout = TimeSpan.FromSeconds(10);

    public async Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        int exitCode = ExitCodes.WorkerFailed;
        try
        {
            exitCode = await runtime.RunAsync().ConfigureAwait(false);

            // Dispose the container so singletons release their resources and logging providers flush their last
            // lines; bounded, since nobody is left to wait for a worker that hangs here.
            if (services is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().AsTask().WaitAsync(DisposeTimeout, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            WorkerLog.WorkerFailed(runtime.Logger, ex);
        }
        finally
        {
            // Whatever happened above, the worker process ends here: nothing else of the application may start in it.
            Environment.Exit(exitCode);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
