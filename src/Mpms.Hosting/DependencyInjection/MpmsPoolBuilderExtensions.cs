using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Mpms.Hosting;
using Mpms.Hosting.Registration;
using Mpms.Hosting.Worker;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Wires one MPMS pool: what is registered here applies to that pool only.</summary>
public static class MpmsPoolBuilderExtensions
{
    /// <summary>Changes the pool's options after configuration is bound.</summary>
    /// <param name="builder">The pool's builder.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMpmsPoolBuilder Configure(this IMpmsPoolBuilder builder, Action<MpmsOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure(builder.Name, configure);
        return builder;
    }

    /// <summary>
    /// Sets the pool's retry policy for jobs whose worker throws, after configuration is bound (<c>Mpms:Retry</c>): in
    /// code, with a predicate (<see cref="MpmsRetryOptions.ShouldRetry"/>) if configuration's exception names are not enough.
    /// </summary>
    /// <param name="builder">The pool's builder.</param>
    /// <param name="configure">Changes the pool's <see cref="MpmsOptions.Retry"/>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <example>
    /// <code>
    /// services.AddMpms&lt;ThumbnailWorker&gt;().AddRetry(retry =>
    /// {
    ///     retry.MaxAttempts = 4;
    ///     retry.ShouldRetry = failure => failure.RemoteType == "System.Net.Http.HttpRequestException";
    /// });
    /// </code>
    /// </example>
    public static IMpmsPoolBuilder AddRetry(this IMpmsPoolBuilder builder, Action<MpmsRetryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.Configure<MpmsOptions>(builder.Name, options => configure(options.Retry));
        return builder;
    }

    /// <summary>Adds a process initializer that runs in this pool's worker processes only, after those registered for every pool.</summary>
    /// <typeparam name="TInitializer">The initializer; a singleton of each worker process.</typeparam>
    /// <param name="builder">The pool's builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMpmsPoolBuilder AddProcessInitializer<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TInitializer>(this IMpmsPoolBuilder builder)
        where TInitializer : class, IProcessInitializer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKeyedSingleton<IProcessInitializer, TInitializer>(builder.Name);
        return builder;
    }

    /// <summary>Adds a thread initializer that runs on this pool's worker threads only, after those registered for every pool.</summary>
    /// <typeparam name="TInitializer">The initializer; resolved from each worker thread's own scope.</typeparam>
    /// <param name="builder">The pool's builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMpmsPoolBuilder AddThreadInitializer<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TInitializer>(this IMpmsPoolBuilder builder)
        where TInitializer : class, IThreadInitializer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKeyedScoped<IThreadInitializer, TInitializer>(builder.Name);
        return builder;
    }

    /// <summary>Adds a process finalizer that runs in this pool's worker processes only, after those registered for every pool.</summary>
    /// <typeparam name="TFinalizer">The finalizer; a singleton of each worker process.</typeparam>
    /// <param name="builder">The pool's builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMpmsPoolBuilder AddProcessFinalizer<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFinalizer>(this IMpmsPoolBuilder builder)
        where TFinalizer : class, IProcessFinalizer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKeyedSingleton<IProcessFinalizer, TFinalizer>(builder.Name);
        return builder;
    }

    /// <summary>Adds a thread finalizer that runs on this pool's worker threads only, after those registered for every pool.</summary>
    /// <typeparam name="TFinalizer">The finalizer; resolved from each worker thread's own scope.</typeparam>
    /// <param name="builder">The pool's builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMpmsPoolBuilder AddThreadFinalizer<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFinalizer>(this IMpmsPoolBuilder builder)
        where TFinalizer : class, IThreadFinalizer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKeyedScoped<IThreadFinalizer, TFinalizer>(builder.Name);
        return builder;
    }

    /// <summary>Adds a collector of this pool's outcomes (a singleton of the application), besides those registered for every pool of its types.</summary>
    /// <typeparam name="TCollector">The collector: it implements <see cref="IMpmsCollector{TJob, TResult}"/> for the pool's job and result types.</typeparam>
    /// <param name="builder">The pool's builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentException"><typeparamref name="TCollector"/> does not collect this pool's job and result types.</exception>
    public static IMpmsPoolBuilder AddCollector<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TCollector>(this IMpmsPoolBuilder builder)
        where TCollector : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        Wiring(builder).AddCollector<TCollector>(builder.Services, builder.Name);
        return builder;
    }

    /// <summary>Serialises this pool's jobs and results with <typeparamref name="TSerializer"/> instead of System.Text.Json.</summary>
    /// <typeparam name="TSerializer">The serializer; a singleton, in the application and in every worker process.</typeparam>
    /// <param name="builder">The pool's builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMpmsPoolBuilder UseSerializer<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSerializer>(this IMpmsPoolBuilder builder)
        where TSerializer : class, IMpmsSerializer
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKeyedSingleton<IMpmsSerializer, TSerializer>(builder.Name);
        return builder;
    }

    /// <summary>
    /// Starts the application's hosted service <typeparamref name="THostedService"/> in this pool's worker processes too.
    /// By default no hosted service starts in a worker process, since it is the application started again.
    /// </summary>
    /// <typeparam name="THostedService">
    /// The hosted service, as the application registers it (<c>AddHostedService&lt;T&gt;()</c>, or a factory declared to
    /// return <typeparamref name="THostedService"/>). Only registrations of exactly this type are chosen.
    /// </typeparam>
    /// <param name="builder">The pool's builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// <para>Each worker process of this pool makes its own instance from the application's registration, starts it
    /// (with <see cref="IHostedLifecycleService"/>'s phases) once its link is up and before the process initializers run,
    /// and stops it in reverse order after the process finalizers, within <see cref="HostOptions.ShutdownTimeout"/>.
    /// One that fails to start fails the process's start, as a process initializer that throws does.</para>
    /// <para>The choice is per pool (a worker process belongs to one pool); it is read in the worker process from its own
    /// registrations, so with <see cref="MpmsOptions.WorkerCommand"/> naming another program, that program makes it.</para>
    /// </remarks>
    public static IMpmsPoolBuilder RunInWorkers<THostedService>(this IMpmsPoolBuilder builder)
        where THostedService : class, IHostedService
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Choose(new HostedServiceChoice($"RunInWorkers<{typeof(THostedService).FullName}>()", type => type == typeof(THostedService)));
    }

    /// <summary>
    /// Starts in this pool's worker processes the application's hosted services whose implementation type
    /// <paramref name="filter"/> accepts: for a library's hosted service whose type is internal to it.
    /// </summary>
    /// <param name="builder">The pool's builder.</param>
    /// <param name="filter">
    /// Given the implementation type of each registered hosted service (for a factory registration, the type the factory
    /// is declared to return), says whether it runs in the workers. Called in each worker process as it starts.
    /// </param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// Chosen services start and stop as with <see cref="RunInWorkers{THostedService}(IMpmsPoolBuilder)"/>. The web
    /// host's own hosted service (it starts Kestrel) is never chosen, even when <paramref name="filter"/> accepts it.
    /// </remarks>
    /// <example>
    /// <code>
    /// builder.Services.AddMpms&lt;ThumbnailWorker&gt;()
    ///     .RunHostedServicesInWorkers(type =&gt; type.Namespace?.StartsWith("Contoso.Telemetry", StringComparison.Ordinal) == true);
    /// </code>
    /// </example>
    public static IMpmsPoolBuilder RunHostedServicesInWorkers(this IMpmsPoolBuilder builder, Func<Type, bool> filter)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(filter);
        return builder.Choose(new HostedServiceChoice("RunHostedServicesInWorkers(filter)", filter));
    }

    /// <summary>
    /// Starts OpenTelemetry's hosted services (those of <c>OpenTelemetry.Extensions.Hosting</c>, which build the tracer,
    /// meter and logger providers) in this pool's worker processes, so that the workers export their traces, metrics and
    /// logs with the application's OpenTelemetry configuration.
    /// </summary>
    /// <param name="builder">The pool's builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// It chooses the hosted services whose type is in an <c>OpenTelemetry</c> namespace, and needs no reference to
    /// OpenTelemetry. Add the library's sources as usual: <c>.WithTracing(t =&gt; t.AddSource("Mpms.Hosting"))</c> and
    /// <c>.WithMetrics(m =&gt; m.AddMeter("Mpms.Hosting"))</c>; the providers flush when the worker process ends.
    /// </remarks>
    /// <example>
    /// <code>
    /// builder.Services.AddOpenTelemetry()
    ///     .WithTracing(t =&gt; t.AddSource("Mpms.Hosting").AddOtlpExporter())
    ///     .WithMetrics(m =&gt; m.AddMeter("Mpms.Hosting").AddOtlpExporter());
    /// builder.Services.AddMpms&lt;ThumbnailWorker&gt;().RunOpenTelemetryInWorkers();
    /// </code>
    /// </example>
    public static IMpmsPoolBuilder RunOpenTelemetryInWorkers(this IMpmsPoolBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Choose(new HostedServiceChoice("RunOpenTelemetryInWorkers()", IsOpenTelemetry));
    }

    private static bool IsOpenTelemetry(Type type) =>
        type.Namespace is { } name && (name == "OpenTelemetry" || name.StartsWith("OpenTelemetry.", StringComparison.Ordinal));

    private static IMpmsPoolBuilder Choose(this IMpmsPoolBuilder builder, HostedServiceChoice choice)
    {
        builder.Services.AddKeyedSingleton(builder.Name, choice);
        return builder;
    }

    /// <summary>
    /// Serialises this pool's jobs and results with System.Text.Json and <paramref name="options"/>: typically a
    /// source-generated <c>JsonSerializerContext</c>'s options, which a trimmed or native AOT application needs for its
    /// own job and result types.
    /// </summary>
    /// <param name="builder">The pool's builder.</param>
    /// <param name="options">The serializer options; used as given, and made read-only.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <example>
    /// <code>
    /// [JsonSerializable(typeof(ThumbnailJob))] [JsonSerializable(typeof(Thumbnail))]
    /// partial class AppJson : JsonSerializerContext;
    ///
    /// services.AddMpms&lt;ThumbnailWorker&gt;().UseJsonSerializer(AppJson.Default.Options);
    /// </code>
    /// </example>
    public static IMpmsPoolBuilder UseJsonSerializer(this IMpmsPoolBuilder builder, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.Services.AddKeyedSingleton<IMpmsSerializer>(builder.Name, new MpmsJsonSerializer(options));
        return builder;
    }

    private static PoolWiring Wiring(IMpmsPoolBuilder builder) => builder is MpmsPoolBuilder known
        ? known.Wiring
        : throw new ArgumentException("The builder must be the one AddMpms returned.", nameof(builder));
}
