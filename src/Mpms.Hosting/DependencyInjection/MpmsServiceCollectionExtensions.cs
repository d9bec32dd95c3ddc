using Mpms.Hosting;
using Mpms.Hosting.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers MPMS pools with the Generic Host.</summary>
public static class MpmsServiceCollectionExtensions
{
    /// <summary>
    /// Adds a pool of worker processes that run <typeparamref name="TWorker"/>, configured from the <c>Mpms</c>
    /// section of the application's configuration.
    /// </summary>
    /// <typeparam name="TWorker">The worker: a class that implements <see cref="IMpmsWorker{TJob, TResult}"/> once. Its name is the pool's name.</typeparam>
    /// <param name="services">The application's services.</param>
    /// <returns>The same services, for chaining.</returns>
    /// <remarks>
    /// <para>In the application this registers the pool's supervisor as a hosted service, the queues
    /// (<see cref="IMpmsQueue"/> and <see cref="IMpmsQueue{TJob, TResult}"/>), and options validation at start. By
    /// default a worker process is the application itself started again: there the same call makes the worker runtime
    /// take over before any hosted service starts, so all of the application's registrations and configuration are
    /// available to workers and initializers, and nothing else of the application runs.</para>
    /// <para>Calling it again for the same worker does nothing.</para>
    /// </remarks>
    /// <example>
    /// <code>
    /// var builder = Host.CreateApplicationBuilder(args);
    /// builder.Services.AddMpms&lt;ThumbnailWorker&gt;();                  // "Mpms": { "Processes": 2, "ThreadsPerProcess": 3 }
    /// builder.Services.AddSingleton&lt;IProcessInitializer, DbPoolInitializer&gt;();
    /// builder.Services.AddScoped&lt;IThreadInitializer, HttpSessionInitializer&gt;();
    /// await builder.Build().RunAsync();
    /// </code>
    /// </example>
    public static IServiceCollection AddMpms<TWorker>(this IServiceCollection services)
        where TWorker : class =>
        services.AddMpms<TWorker>(MpmsOptions.DefaultSectionName, configure: null);

    /// <summary>
    /// Adds a pool of worker processes that run <typeparamref name="TWorker"/>, configured from the <c>Mpms</c>
    /// section and then by <paramref name="configure"/>.
    /// </summary>
    /// <typeparam name="TWorker">The worker: a class that implements <see cref="IMpmsWorker{TJob, TResult}"/> once.</typeparam>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Changes the options after configuration is bound.</param>
    /// <returns>The same services, for chaining.</returns>
    public static IServiceCollection AddMpms<TWorker>(this IServiceCollection services, Action<MpmsOptions> configure)
        where TWorker : class
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddMpms<TWorker>(MpmsOptions.DefaultSectionName, configure);
    }

    /// <summary>
    /// Adds a pool of worker processes that run <typeparamref name="TWorker"/>, configured from the section at
    /// <paramref name="configSectionPath"/> (for example <c>"Pools:Thumbnails"</c>) and then by <paramref name="configure"/>.
    /// </summary>
    /// <typeparam name="TWorker">The worker: a class that implements <see cref="IMpmsWorker{TJob, TResult}"/> once.</typeparam>
    /// <param name="services">The application's services.</param>
    /// <param name="configSectionPath">The configuration section of this pool's options.</param>
    /// <param name="configure">Changes the options after configuration is bound; optional.</param>
    /// <returns>The same services, for chaining.</returns>
    /// <exception cref="ArgumentException"><typeparamref name="TWorker"/> does not implement <see cref="IMpmsWorker{TJob, TResult}"/> exactly once.</exception>
    /// <exception cref="InvalidOperationException">Another worker type with the same name already has a pool.</exception>
    public static IServiceCollection AddMpms<TWorker>(this IServiceCollection services, string configSectionPath, Action<MpmsOptions>? configure = null)
        where TWorker : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(configSectionPath);

        Type workerType = typeof(TWorker);
        string poolName = workerType.Name;
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(MpmsPoolMarker) && descriptor.ImplementationInstance is MpmsPoolMarker marker && marker.Name == poolName)
            {
                return marker.WorkerType == workerType
                    ? services
                    : throw new InvalidOperationException(
                        $"A pool named '{poolName}' already runs worker '{marker.WorkerType.FullName}'; pool names come from worker type names, so rename '{workerType.FullName}'.");
            }
        }

        Type[] workerInterfaces = workerType.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IMpmsWorker<,>))
            .ToArray();
        if (workerInterfaces.Length != 1 || workerType.IsAbstract)
        {
            throw new ArgumentException(
                $"'{workerType.FullName}' must be a concrete class that implements IMpmsWorker<TJob, TResult> exactly once (it implements it {workerInterfaces.Length} times).",
                nameof(TWorker));
        }

        Type[] jobAndResult = workerInterfaces[0].GetGenericArguments();
        var registrar = (IPoolRegistrar)Activator.CreateInstance(
            typeof(PoolRegistrar<,,>).MakeGenericType(workerType, jobAndResult[0], jobAndResult[1]))!;
        services.AddSingleton(new MpmsPoolMarker(poolName, workerType));
        registrar.Register(services, poolName, configSectionPath, configure);
        return services;
    }
}
