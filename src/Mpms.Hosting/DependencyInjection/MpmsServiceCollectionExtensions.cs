using System.Diagnostics.CodeAnalysis;
using Mpms.Hosting;
using Mpms.Hosting.Registration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers MPMS pools with the Generic Host.</summary>
public static class MpmsServiceCollectionExtensions
{
    /// <summary>
    /// Adds a pool of worker processes that run <typeparamref name="TWorker"/>, named after the worker type and configured
    /// from the <c>Mpms</c> section of the application's configuration.
    /// </summary>
    /// <typeparam name="TWorker">The worker: a class that implements <see cref="IMpmsWorker{TJob, TResult}"/>.</typeparam>
    /// <param name="services">The application's services.</param>
    /// <returns>A builder to wire this pool further (initializers, collector, serializer, options).</returns>
    /// <remarks>
    /// <para>In the application this registers the pool as a hosted service, its queues (<see cref="IMpmsQueue"/> and
    /// <see cref="IMpmsQueue{TJob, TResult}"/>), its control (<see cref="IMpmsPool{TJob, TResult}"/>, and keyed by name
    /// <see cref="IMpmsPool"/>), and options validation at start. By default a worker process is the application itself
    /// started again: there the same call makes the worker runtime take over before any hosted service starts, so all of
    /// the application's registrations and configuration are available to workers and initializers, and nothing else of
    /// the application runs.</para>
    /// <para>Calling it again for the same pool returns the same pool's builder and registers nothing more.</para>
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
    public static IMpmsPoolBuilder AddMpms<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWorker>(this IServiceCollection services)
        where TWorker : class, IMpmsWorker =>
        services.AddMpms<TWorker>(typeof(TWorker).Name);

    /// <summary>
    /// Adds a pool of worker processes that run <typeparamref name="TWorker"/>, configured from the <c>Mpms</c> section
    /// and then by <paramref name="configure"/>.
    /// </summary>
    /// <typeparam name="TWorker">The worker: a class that implements <see cref="IMpmsWorker{TJob, TResult}"/>.</typeparam>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Changes the options after configuration is bound.</param>
    /// <returns>A builder to wire this pool further.</returns>
    public static IMpmsPoolBuilder AddMpms<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWorker>(this IServiceCollection services, Action<MpmsOptions> configure)
        where TWorker : class, IMpmsWorker
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddMpms<TWorker>(typeof(TWorker).Name).Configure(configure);
    }

    /// <summary>
    /// Adds a pool named <paramref name="name"/> of worker processes that run <typeparamref name="TWorker"/>, configured
    /// from the section at <paramref name="configSectionPath"/>. Several pools may run the same worker under different
    /// names; each is resolved by its name as a keyed service.
    /// </summary>
    /// <typeparam name="TWorker">The worker: a class that implements <see cref="IMpmsWorker{TJob, TResult}"/>.</typeparam>
    /// <param name="services">The application's services.</param>
    /// <param name="name">The pool's name: in process and thread names, logs, metrics, and the key of its keyed services.</param>
    /// <param name="configSectionPath">The configuration section of this pool's options (for example <c>"Pools:Thumbnails"</c>).</param>
    /// <returns>A builder to wire this pool further.</returns>
    /// <exception cref="ArgumentException"><typeparamref name="TWorker"/> is abstract, or <paramref name="name"/> is not a valid pool name.</exception>
    /// <exception cref="InvalidOperationException">Another worker type already has a pool of that name.</exception>
    public static IMpmsPoolBuilder AddMpms<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWorker>(this IServiceCollection services, string name, string configSectionPath = MpmsOptions.DefaultSectionName)
        where TWorker : class, IMpmsWorker
    {
        ArgumentNullException.ThrowIfNull(services);
        PoolNames.ThrowIfInvalid(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(configSectionPath);

        Type workerType = typeof(TWorker);
        foreach (ServiceDescriptor descriptor in services)
        {
            if (descriptor.ServiceType == typeof(MpmsPoolMarker) && descriptor.ImplementationInstance is MpmsPoolMarker marker && marker.Name == name)
            {
                return marker.Wiring.WorkerType == workerType
                    ? new MpmsPoolBuilder(name, services, marker.Wiring)
                    : throw new InvalidOperationException(
                        $"A pool named '{name}' already runs worker '{marker.Wiring.WorkerType.FullName}'; give the pool of '{workerType.FullName}' another name: services.AddMpms<{workerType.Name}>(\"<name>\").");
            }
        }

        if (workerType.IsAbstract)
        {
            throw new ArgumentException($"'{workerType.FullName}' must be a concrete class that implements IMpmsWorker<TJob, TResult>.", nameof(TWorker));
        }

        PoolWiring wiring = TWorker.Accept<TWorker, PoolWiring>(new PoolRegistrar(services, name, configSectionPath));
        services.AddSingleton(new MpmsPoolMarker(name, wiring));
        return new MpmsPoolBuilder(name, services, wiring);
    }
}
