using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Mpms.Hosting;
using Mpms.Hosting.Registration;

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
