using System.Diagnostics.CodeAnalysis;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.Worker;
using Mpms.Hosting.Worker.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mpms.Hosting.Registration;

/// <summary>
/// Registers one pool for the role this process plays: in the application, the queue, the pool (a hosted service) and
/// the options validation; in a worker process of this pool, the worker runtime as the host lifetime; in a worker of
/// another pool, stand-ins only. It visits the worker type to learn its job and result types.
/// </summary>
internal sealed class PoolRegistrar(IServiceCollection services, string poolName, string sectionPath) : IWorkerTypeVisitor<PoolWiring>
{
    public PoolWiring Visit<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWorker, TJob, TResult>()
        where TWorker : class
    {
        services.AddOptions<MpmsOptions>(poolName).BindConfiguration(sectionPath);

        // One worker instance per worker thread: the thread's scope resolves it once.
        services.TryAddScoped<TWorker>();

        string? workerOf = StartupVariables.CurrentPool;
        if (workerOf is null)
        {
            RegisterApplicationRole<TWorker, TJob, TResult>();
        }
        else if (string.Equals(workerOf, poolName, StringComparison.Ordinal))
        {
            RegisterWorkerRole<TWorker, TJob, TResult>();
        }
        else
        {
            RegisterStandIns<TJob, TResult>();
        }

        return new PoolWiring<TWorker, TJob, TResult>();
    }

    private void RegisterApplicationRole<TWorker, TJob, TResult>()
        where TWorker : class
    {
        string name = poolName;
        services.AddSingleton<IValidateOptions<MpmsOptions>>(new MpmsOptionsValidator(name, sectionPath));
        services.AddOptions<MpmsOptions>(name).ValidateOnStart();
        services.TryAddSingleton(sp => new MpmsTelemetry(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<IMpmsQueue, MpmsQueueRouter>();

        services.AddKeyedSingleton(name, (sp, _) => CreatePool<TWorker, TJob, TResult>(sp));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(name));
        services.AddKeyedSingleton<IMpmsPool>(name, (sp, key) => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(key));

        // Unkeyed too, so that IEnumerable<IMpmsPool> lists every pool (a dashboard shows them all).
        services.AddSingleton<IMpmsPool>(sp => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(name));
        services.AddKeyedSingleton<IMpmsPool<TJob, TResult>>(name, (sp, key) => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(key));
        services.AddSingleton<IMpmsPool<TJob, TResult>>(sp => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(name));
        services.AddKeyedSingleton<IMpmsQueue<TJob, TResult>>(name, (sp, key) => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(key).Queue);
        services.AddSingleton<IMpmsQueue<TJob, TResult>>(sp => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(name).Queue);
        services.AddSingleton<IJobRoute>(sp => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(name).Queue);
        services.AddSingleton<IPoolStatus>(sp => sp.GetRequiredKeyedService<MpmsPool<TJob, TResult>>(name));
    }

    private MpmsPool<TJob, TResult> CreatePool<TWorker, TJob, TResult>(IServiceProvider sp)
        where TWorker : class
    {
        MpmsOptions options = sp.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(poolName);
        bool hasCollector = sp.GetRequiredService<IServiceProviderIsService>().IsService(typeof(IMpmsCollector<TJob, TResult>))
            || sp.GetRequiredService<IServiceProviderIsKeyedService>().IsKeyedService(typeof(IMpmsCollector<TJob, TResult>), poolName);
        if (hasCollector && options.EnableResultStream)
        {
            throw new OptionsValidationException(poolName, typeof(MpmsOptions), [
                $"{sectionPath}:EnableResultStream is true but an IMpmsCollector<{typeof(TJob).Name}, {typeof(TResult).Name}> is registered for pool '{poolName}': outcomes go to one or the other, not both."]);
        }

        var telemetry = sp.GetRequiredService<MpmsTelemetry>();
        var loggerFactory = sp.GetRequiredService<ILoggerFactory>();
        TimeProvider time = sp.GetService<TimeProvider>() ?? TimeProvider.System;
        IMpmsSerializer serializer = ResolveSerializer(sp);
        (serializer as MpmsJsonSerializer)?.ThrowIfUnknown(poolName, typeof(TJob), typeof(TResult));
        var queue = new PoolQueue<TJob, TResult>(poolName, options, serializer, hasCollector, telemetry, time, loggerFactory.CreateLogger("Mpms.Hosting.Queue"));
        Func<SupervisionContext, IProcessStarter> starter = options.ExecutionMode == MpmsExecutionMode.InProcess
            ? pool => new InProcessStarter(pool, new InProcessRuntime(sp, new JobInvoker<TWorker, TJob, TResult>(serializer), loggerFactory.CreateLogger("Mpms.Hosting.WorkerRuntime")))
            : pool => new OsProcessStarter(pool, () => ResolveCommandLine(options, sp));
        IPoolBrokerSession? broker = sp.GetKeyedService<IPoolBroker>(poolName)?.Attach(queue, options);
        var supervisor = new PoolSupervisor(poolName, options, broker?.Dispatcher ?? queue.Jobs, telemetry, loggerFactory, starter);
        if (options.EffectivePrefetch > 0)
        {
            // Jobs held ahead free their places as they start, which the workers record without a frame.
            queue.Gate.Places.LookForStartedJobs = supervisor.LookForStartedJobs;
        }

        // Collectors are resolved when the pool starts, not here: one may depend on the pool's own queue.
        string name = poolName;
        TimeSpan shutdownTimeout = sp.GetService<IOptions<HostOptions>>()?.Value.ShutdownTimeout ?? TimeSpan.FromSeconds(30);
        return new MpmsPool<TJob, TResult>(queue, supervisor, () => [.. sp.GetServices<IMpmsCollector<TJob, TResult>>(), .. sp.GetKeyedServices<IMpmsCollector<TJob, TResult>>(name)], telemetry, loggerFactory, shutdownTimeout, broker);
    }

    private void RegisterWorkerRole<TWorker, TJob, TResult>()
        where TWorker : class
    {
        var logSink = new WorkerLogSink();
        ForwardLogsThrough(logSink);

        // The worker's meter is made with the runtime, before any hosted service builds a telemetry provider, so the
        // container disposes it after the provider: the provider's last export still sees its instruments.
        services.TryAddSingleton(sp => new WorkerTelemetry(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(sp => new WorkerRuntime(
            poolName,
            sp,
            new JobInvoker<TWorker, TJob, TResult>(ResolveSerializer(sp)),
            sp.GetRequiredService<ILoggerFactory>(),
            logSink,
            sp.GetRequiredService<WorkerTelemetry>()));
        services.AddSingleton<IHostLifetime, WorkerHostLifetime>();

        // Read when the worker starts, once every registration is made: those after AddMpms too.
        services.AddSingleton(new HostedServiceRegistrations(services));
        RegisterStandIns<TJob, TResult>();
    }

    /// <summary>
    /// Wraps the logger factory registered so far (the default one, or Serilog's) so that what the worker logs can be
    /// forwarded to the application; the wrapped factory still decides which levels are enabled.
    /// </summary>
    private void ForwardLogsThrough(WorkerLogSink sink)
    {
        ServiceDescriptor? current = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory) && !d.IsKeyedService);
        services.AddSingleton<ILoggerFactory>(sp => current switch
        {
            { ImplementationInstance: ILoggerFactory instance } => new ForwardingLoggerFactory(instance, sink, ownsInner: false),
            { ImplementationFactory: { } factory } => new ForwardingLoggerFactory((ILoggerFactory)factory(sp), sink, ownsInner: true),
            { ImplementationType: { } type } => new ForwardingLoggerFactory((ILoggerFactory)ActivatorUtilities.CreateInstance(sp, type), sink, ownsInner: true),
            _ => new ForwardingLoggerFactory(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, sink, ownsInner: false),
        });
    }

    private void RegisterStandIns<TJob, TResult>()
    {
        var standIn = new WorkerRoleQueue<TJob, TResult>(poolName);
        services.AddKeyedSingleton<IMpmsQueue<TJob, TResult>>(poolName, standIn);
        services.AddSingleton<IMpmsQueue<TJob, TResult>>(standIn);
        services.AddKeyedSingleton<IMpmsPool<TJob, TResult>>(poolName, standIn);
        services.AddSingleton<IMpmsPool<TJob, TResult>>(standIn);
        services.AddKeyedSingleton<IMpmsPool>(poolName, standIn);
        services.TryAddSingleton<IMpmsQueue>(standIn);
    }

    /// <summary>The command line of the pool's workers, resolved when the pool starts: a failure names the key to set, as invalid options do.</summary>
    private WorkerCommandLine ResolveCommandLine(MpmsOptions options, IServiceProvider sp)
    {
        HostApplication application = sp.GetService<IHostEnvironment>() is { } environment
            ? new HostApplication(environment.ApplicationName, environment.EnvironmentName, environment.ContentRootPath)
            : HostApplication.Unknown;
        return WorkerCommandLine.TryResolve(options, poolName, application, RunningProgram.Current, out WorkerCommandLine? commandLine, out string? problem)
            ? commandLine
            : throw new OptionsValidationException(poolName, typeof(MpmsOptions), [
                $"{sectionPath}:WorkerCommand must name the program of the workers of pool '{poolName}', because {problem}: set it, start the application with WebApplicationFactory<Program>, or set ExecutionMode to InProcess."]);
    }

    private IMpmsSerializer ResolveSerializer(IServiceProvider sp) =>
        sp.GetKeyedService<IMpmsSerializer>(poolName) ?? sp.GetService<IMpmsSerializer>() ?? new MpmsJsonSerializer();
}
