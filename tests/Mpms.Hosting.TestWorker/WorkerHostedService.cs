using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Mpms.Hosting.TestWorker;

/// <summary>
/// A hosted service the worker program chooses to run in its worker processes (<c>RunInWorkers</c>). Idle unless
/// <see cref="TestBehaviour.HostedService"/> says: <c>record</c> writes its start and stop as events, <c>fail</c> also
/// throws from its start.
/// </summary>
public sealed class WorkerHostedService(IOptions<TestBehaviour> behaviour, EventLog events) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        string? mode = behaviour.Value.HostedService;
        if (mode is null)
        {
            return Task.CompletedTask;
        }

        events.Write("hosted-start", mode);
        return mode == "fail"
            ? throw new InvalidOperationException($"hosted service fails to start in pid {Environment.ProcessId}")
            : Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (behaviour.Value.HostedService is { } mode)
        {
            events.Write("hosted-stop", mode);
        }

        return Task.CompletedTask;
    }
}
