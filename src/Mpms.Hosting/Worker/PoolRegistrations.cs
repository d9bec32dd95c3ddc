using Microsoft.Extensions.DependencyInjection;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Finds a pool's initializers and finalizers: those registered for every pool, then those registered as keyed
/// services under the pool's name, each group in registration order. All of a kind are constructed before the first
/// runs.
/// </summary>
internal sealed class PoolRegistrations(string poolName)
{
    /// <exception cref="ServiceConstructionException">One of them could not be constructed.</exception>
    public IReadOnlyList<IProcessInitializer> ProcessInitializers(IServiceProvider services) => Construct<IProcessInitializer>(services, "A process initializer");

    /// <exception cref="ServiceConstructionException">One of them could not be constructed.</exception>
    public IReadOnlyList<IThreadInitializer> ThreadInitializers(IServiceProvider services) => Construct<IThreadInitializer>(services, "A thread initializer");

    /// <exception cref="ServiceConstructionException">One of them could not be constructed.</exception>
    public IReadOnlyList<IProcessFinalizer> ProcessFinalizers(IServiceProvider services) => Construct<IProcessFinalizer>(services, "A process finalizer");

    /// <exception cref="ServiceConstructionException">One of them could not be constructed.</exception>
    public IReadOnlyList<IThreadFinalizer> ThreadFinalizers(IServiceProvider services) => Construct<IThreadFinalizer>(services, "A thread finalizer");

    private IReadOnlyList<T> Construct<T>(IServiceProvider services, string what)
        where T : class
    {
        try
        {
            return [.. services.GetServices<T>(), .. services.GetKeyedServices<T>(poolName)];
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new ServiceConstructionException(what, ex);
        }
    }
}
