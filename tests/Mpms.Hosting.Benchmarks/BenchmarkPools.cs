using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mpms.Hosting;
using Mpms.Hosting.Registration;
using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Benchmarks;

/// <summary>Starts the pools the scenarios measure; the worker processes are this program started again.</summary>
public static class BenchmarkPools
{
    /// <summary>The worker role: every benchmark pool is registered, the one this process belongs to takes over.</summary>
    public static async Task RunWorkerAsync(string[] args)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMpms<TrivialWorker>();
        builder.Services.AddMpms<SleepWorker>();
        builder.Services.AddMpms<CpuWorker>();
        await builder.Build().RunAsync();
    }

    /// <summary>Variables added to every benchmark pool's <see cref="MpmsOptions.WorkerEnvironment"/> (<c>--worker-env NAME=VALUE</c>), to compare runtime settings of the workers alone.</summary>
    public static Dictionary<string, string> WorkerEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>Starts a host with one pool of <typeparamref name="TWorker"/> (<paramref name="pool"/> adds to it, a broker say) and waits until all its processes are ready.</summary>
    public static async Task<IHost> StartAsync<TWorker>(Action<MpmsOptions> configure, Action<IServiceCollection>? services = null, Action<IMpmsPoolBuilder>? pool = null)
        where TWorker : class, IMpmsWorker
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        IMpmsPoolBuilder added = builder.Services.AddMpms<TWorker>(options =>
        {
            configure(options);
            foreach ((string name, string value) in WorkerEnvironment)
            {
                options.WorkerEnvironment[name] = value;
            }
        });
        pool?.Invoke(added);
        services?.Invoke(builder.Services);
        IHost host = builder.Build();
        await host.StartAsync();
        await WaitReadyAsync<TWorker>(host);
        return host;
    }

    public static async Task WaitReadyAsync<TWorker>(IHost host)
    {
        IPoolView pool = View<TWorker>(host);
        var deadline = Stopwatch.StartNew();
        while (pool.Ready < pool.Configured)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new TimeoutException($"Pool {typeof(TWorker).Name} did not become ready.");
            }

            await Task.Delay(1);
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds of the pool's stats, re-checking whenever its supervisor sees a
    /// change (no polling); for waits outside what a scenario measures.
    /// </summary>
    public static async Task WaitUntilAsync<TWorker>(IHost host, Func<MpmsPoolStats, bool> condition, string what)
    {
        IMpmsPool pool = host.Services.GetRequiredKeyedService<IMpmsPool>(typeof(TWorker).Name);
        PoolSupervisor supervisor = ((ISupervisedPool)pool).Supervisor;
        using var changed = new SemaphoreSlim(0);
        void OnChanged() => changed.Release();
        supervisor.Changed += OnChanged;
        try
        {
            using var ceiling = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (!condition(pool.GetStats()))
            {
                try
                {
                    await changed.WaitAsync(ceiling.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"Pool {typeof(TWorker).Name}: waited a minute for {what}.");
                }
            }
        }
        finally
        {
            supervisor.Changed -= OnChanged;
        }
    }

    /// <summary>The few things a scenario reads from a pool.</summary>
    public interface IPoolView
    {
        int Ready { get; }

        int Configured { get; }

        IReadOnlyList<int> ProcessIds { get; }
    }

    public static IPoolView View<TWorker>(IHost host) =>
        new SupervisorView(((ISupervisedPool)host.Services.GetRequiredKeyedService<IMpmsPool>(typeof(TWorker).Name)).Supervisor);

    private sealed class SupervisorView(PoolSupervisor supervisor) : IPoolView
    {
        public int Ready => supervisor.ProcessesReady;

        public int Configured => supervisor.ConfiguredProcesses;

        public IReadOnlyList<int> ProcessIds
        {
            get
            {
                return supervisor.StartedProcessIds;
            }
        }
    }
}
