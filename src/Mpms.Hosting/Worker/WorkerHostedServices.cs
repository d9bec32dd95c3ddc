using Mpms.Hosting.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker;

/// <summary>
/// The application's hosted services that a pool chose to run in its worker processes (<c>RunInWorkers</c>), in one
/// worker process: started in registration order once the link is up and before the process initializers, stopped in
/// reverse order after the process finalizers, with the phases of <see cref="IHostedLifecycleService"/>, as the host
/// would. The host itself starts none in a worker (its lifetime ends the process first), so these are the only ones.
/// </summary>
internal sealed class WorkerHostedServices
{
    private readonly IServiceProvider _services;
    private readonly MpmsProcessContext _process;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<Running> _created = [];
    private readonly List<Running> _started = [];

    public WorkerHostedServices(IServiceProvider services, MpmsProcessContext process, TimeProvider time, ILogger logger)
    {
        _services = services;
        _process = process;
        _time = time;
        _logger = logger;
    }

    /// <summary>Gets the types of the hosted services that started, in the order they started.</summary>
    public IReadOnlyList<Type> Started => [.. _started.Select(r => r.Type)];

    /// <summary>
    /// Makes and starts the chosen hosted services. A failure is logged and ends the start: those that started are left
    /// for <see cref="StopAsync"/>, which the caller runs on every path.
    /// </summary>
    /// <returns><see langword="false"/> when one failed to be made or to start.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled: the process leaves before it is ready.</exception>
    public async Task<bool> StartAsync(CancellationToken cancellationToken)
    {
        string current = "RunInWorkers";
        try
        {
            foreach (ChosenHostedService chosen in Choose())
            {
                current = NameOf(chosen.Type);
                _created.Add(Create(chosen));
            }

            if (_created.Count == 0)
            {
                return true;
            }

            WorkerLog.HostedServicesStarting(_logger, _process.PoolName, _process.ProcessName, string.Join(", ", _created.Select(r => NameOf(r.Type))));
            foreach (Running running in _created)
            {
                current = NameOf(running.Type);
                if (running.Service is IHostedLifecycleService lifecycle)
                {
                    await lifecycle.StartingAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (Running running in _created)
            {
                current = NameOf(running.Type);
                await running.Service.StartAsync(cancellationToken).ConfigureAwait(false);
                _started.Add(running);
            }

            foreach (Running running in _created)
            {
                current = NameOf(running.Type);
                if (running.Service is IHostedLifecycleService lifecycle)
                {
                    await lifecycle.StartedAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            WorkerLog.HostedServiceStartFailed(_logger, _process.PoolName, _process.ProcessName, Environment.ProcessId, current, ex);
            return false;
        }
    }

    /// <summary>
    /// Stops the hosted services that started, in reverse order, within <paramref name="timeout"/> (whose token they are
    /// given); one that throws is logged and the others still stop. Then disposes those it made. Runs once.
    /// </summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_created.Count == 0)
        {
            return;
        }

        using var deadline = new CancellationTokenSource(timeout, _time);
        CancellationToken token = deadline.Token;
        Running? late = await EachStartedInReverseAsync(r => r.Service is IHostedLifecycleService l ? l.StoppingAsync(token) : Task.CompletedTask, token).ConfigureAwait(false)
            ?? await EachStartedInReverseAsync(r => r.Service.StopAsync(token), token).ConfigureAwait(false)
            ?? await EachStartedInReverseAsync(r => r.Service is IHostedLifecycleService l ? l.StoppedAsync(token) : Task.CompletedTask, token).ConfigureAwait(false);
        if (late is not null)
        {
            // A service still stopping past the deadline is not disposed under its own feet; the container's disposal,
            // bounded too, comes next anyway.
            WorkerLog.HostedServicesStopTimedOut(_logger, _process.PoolName, _process.ProcessName, timeout, NameOf(late.Type));
        }
        else
        {
            await DisposeMadeAsync(token).ConfigureAwait(false);
        }

        _started.Clear();
        _created.Clear();
    }

    private static string NameOf(Type type) => type.FullName ?? type.Name;

    private List<ChosenHostedService> Choose()
    {
        HostedServiceChoice[] choices = [.. _services.GetKeyedServices<HostedServiceChoice>(_process.PoolName)];
        if (choices.Length == 0 || _services.GetService<HostedServiceRegistrations>() is not { } registrations)
        {
            return [];
        }

        (IReadOnlyList<ChosenHostedService> chosen, IReadOnlyList<HostedServiceChoice> unmatched) = registrations.Choose(choices);
        foreach (HostedServiceChoice choice in unmatched)
        {
            WorkerLog.HostedServiceChoiceUnmatched(_logger, _process.PoolName, _process.ProcessName, choice.Description);
        }

        return [.. chosen];
    }

    /// <summary>
    /// Makes the service from its registration, as the container would. What the worker makes from a type is its own
    /// to dispose; an instance or a factory's result may be a singleton the container owns and disposes.
    /// </summary>
    private Running Create(ChosenHostedService chosen)
    {
        ServiceDescriptor registration = chosen.Registration;
        if (registration.ImplementationInstance is IHostedService instance)
        {
            return new Running(instance, chosen.Type, Owned: false);
        }

        if (registration.ImplementationFactory is { } factory)
        {
            var made = (IHostedService)factory(_services);
            return new Running(made, made.GetType(), Owned: false);
        }

        var activated = (IHostedService)ActivatorUtilities.CreateInstance(_services, registration.ImplementationType!);
        return new Running(activated, chosen.Type, Owned: true);
    }

    /// <summary>Runs one stop phase on every started service, last started first.</summary>
    /// <returns>The service the deadline passed on, or <see langword="null"/> when the phase ended in time.</returns>
    private async Task<Running?> EachStartedInReverseAsync(Func<Running, Task> step, CancellationToken token)
    {
        for (int i = _started.Count - 1; i >= 0; i--)
        {
            Running running = _started[i];
            if (token.IsCancellationRequested)
            {
                return running;
            }

            try
            {
                await step(running).WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return running;
            }
            catch (Exception ex)
            {
                WorkerLog.HostedServiceStopFailed(_logger, _process.PoolName, _process.ProcessName, NameOf(running.Type), ex);
            }
        }

        return null;
    }

    private async Task DisposeMadeAsync(CancellationToken token)
    {
        for (int i = _created.Count - 1; i >= 0; i--)
        {
            Running running = _created[i];
            if (!running.Owned)
            {
                continue;
            }

            try
            {
                if (running.Service is IAsyncDisposable asyncDisposable)
                {
                    await asyncDisposable.DisposeAsync().AsTask().WaitAsync(token).ConfigureAwait(false);
                }
                else if (running.Service is IDisposable disposable)
                {
                    disposable.Dispose();
                }
            }
            catch (Exception ex)
            {
                WorkerLog.HostedServiceStopFailed(_logger, _process.PoolName, _process.ProcessName, NameOf(running.Type), ex);
            }
        }
    }

    /// <summary>A hosted service this process made, its type, and whether disposing it is this process's duty.</summary>
    private sealed record Running(IHostedService Service, Type Type, bool Owned);
}
