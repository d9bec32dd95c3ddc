using Microsoft.Extensions.DependencyInjection;

namespace Mpms.Hosting;

/// <summary>
/// Wires one pool, as returned by <c>services.AddMpms&lt;TWorker&gt;()</c>: what is registered through it applies to
/// this pool only (initializers, finalizers, a collector, a serializer, options). Services registered in DI directly
/// (for example <c>services.AddSingleton&lt;IProcessInitializer, DbPoolInitializer&gt;()</c>) apply to every pool.
/// </summary>
/// <example>
/// <code>
/// builder.Services.AddMpms&lt;ThumbnailWorker&gt;()
///     .Configure(o => o.Processes = 4)
///     .AddProcessInitializer&lt;ModelLoader&gt;()
///     .AddCollector&lt;ThumbnailCollector&gt;();
/// </code>
/// </example>
public interface IMpmsPoolBuilder
{
    /// <summary>Gets the pool's name: the key of its keyed services and of its named options.</summary>
    string Name { get; }

    /// <summary>Gets the application's services.</summary>
    IServiceCollection Services { get; }
}
