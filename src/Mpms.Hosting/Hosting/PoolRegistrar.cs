using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.Worker;
using Mpms.Hosting.Worker.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mpms.Hosting.Hosting;

/// <summary>
/// Registers a pool for the role this process plays: in the application, the queue, the supervisor and the options
/// validation; in a worker process of this pool, the worker runtime as the host lifetime; in a worker of another pool,
/// stand-ins only.
/// </summary>
internal sealed class PoolRegistrar<TWorker, TJob, TResult> : IPoolRegistrar
    where TWorker : class, IMpmsWorker<TJob, TResult>
{
    public void Register(IServiceCollection services, string poolName, string sectionPath, Action<MpmsOptions>? configure)
    {
        OptionsBuilder<MpmsOptions> options = services.AddOptions<MpmsOptions>(poolName).BindConfiguration(sectionPath);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // One worker instance per worker thread: the thread's scope resolves it once.
        services.TryAddScoped<TWorker>();

        string? workerOf = Protocol.StartupVariables.CurrentPool;
        if (workerOf is null)
        {
            RegisterApplicationRole(services, options, poolName, sectionPath);
        }
        else if (string.Equals(workerOf, poolName, StringComparison.Ordinal))
        {
            var logSink = new WorkerLogSink();
            ForwardLogsThrough(services, logSink);
            services.AddSingleton(sp => new WorkerRuntime(
                poolName,
                sp,
                new JobInvoker<TWorker, TJob, TResult>(ResolveSerializer(sp, poolName)),
                sp.GetRequiredService<ILoggerFactory>(),
                logSink));
            services.AddSingleton<IHostLifetime, WorkerHostLifetime>();
            RegisterStandIns(services, poolName);
        }
        else
        {
            RegisterStandIns(services, poolName);
        }
    }

    private static void RegisterApplicationRole(IServiceCollection services, OptionsBuilder<MpmsOptions> options, string poolName, string sectionPath)
    {
        services.AddSingleton<IValidateOptions<MpmsOptions>>(new MpmsOptionsValidator(poolName, sectionPath));
        options.ValidateOnStart();

        services.AddKeyedSingleton(poolName, (sp, _) =>
        {
            MpmsOptions settings = sp.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(poolName);
            bool hasCollector = sp.GetRequiredService<IServiceProviderIsService>().IsService(typeof(IMpmsCollector<TJob, TResult>));
            if (hasCollector && settings.EnableResultStream)
            {
                throw new OptionsValidationException(poolName, typeof(MpmsOptions), [
                    $"{sectionPath}:EnableResultStream is true but an IMpmsCollector<{typeof(TJob).Name}, {typeof(TResult).Name}> is registered for pool '{poolName}': outcomes go to one or the other, not both."]);
            }

            return new MpmsPool<TJob, TResult>(
                poolName,
                settings,
                ResolveSerializer(sp, poolName),
                hasCollector,
                sp.GetRequiredService<MpmsTelemetry>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Mpms.Hosting.Queue"));
        });
        services.AddKeyedSingleton(poolName, (sp, key) => new PoolSupervisor<TJob, TResult>(
            sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(key),
            sp,
            sp.GetRequiredService<MpmsTelemetry>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<PoolSupervisor<TJob, TResult>>(poolName));

        services.AddKeyedSingleton<IMpmsQueue<TJob, TResult>>(poolName, (sp, key) => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(key));
        services.AddSingleton<IMpmsQueue<TJob, TResult>>(sp => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(poolName));
        services.AddSingleton<IJobRoute>(sp => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(poolName));
        services.AddSingleton<IPoolStatus>(sp => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(poolName));
        services.TryAddSingleton(sp => new MpmsTelemetry(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<IMpmsQueue, MpmsQueueRouter>();
    }

    /// <summary>
    /// Wraps the logger factory registered so far (the default one, or Serilog's) so that what the worker logs can be
    /// forwarded to the application; the wrapped factory still decides which levels are enabled.
    /// </summary>
    private static void ForwardLogsThrough(IServiceCollection services, WorkerLogSink sink)
    {
        ServiceDescriptor? current = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory) && !d.IsKeyedService);
        services.AddSingleton<ILoggerFactory>(sp =>
        {
            return current switch
            {
                { ImplementationInstance: ILoggerFactory instance } => new ForwardingLoggerFactory(instance, sink, ownsInner: false),
                { ImplementationFactory: { } factory } => new ForwardingLoggerFactory((ILoggerFactory)factory(sp), sink, ownsInner: true),
                { ImplementationType: { } type } => new ForwardingLoggerFactory((ILoggerFactory)ActivatorUtilities.CreateInstance(sp, type), sink, ownsInner: true),
                _ => new ForwardingLoggerFactory(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, sink, ownsInner: false),
            };
        });
    }

    private static void RegisterStandIns(IServiceCollection services, string poolName)
    {
        var standIn = new WorkerRoleQueue<TJob, TResult>(poolName);
        services.AddKeyedSingleton<IMpmsQueue<TJob, TResult>>(poolName, standIn);
        services.AddSingleton<IMpmsQueue<TJob, TResult>>(standIn);
        services.TryAddSingleton<IMpmsQueue>(standIn);
    }

    private static IMpmsSerializer ResolveSerializer(IServiceProvider services, string poolName) =>
        services.GetKeyedService<IMpmsSerializer>(poolName) ?? services.GetService<IMpmsSerializer>() ?? new MpmsJsonSerializer();
}
