using Microsoft.Extensions.DependencyInjection;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Finds a pool's initializers and finalizers: those registered for every pool, then those registered as keyed
/// services under the pool's name, each group in registration order.
/// </summary>
internal sealed class PoolRegistrations(string poolName)
{
    public IEnumerable<IProcessInitializer> ProcessInitializers(IServiceProvider services) => Resolve<IProcessInitializer>(services);

    public IEnumerable<IThreadInitializer> ThreadInitializers(IServiceProvider services) => Resolve<IThreadInitializer>(services);

    public IEnumerable<IProcessFinalizer> ProcessFinalizers(IServiceProvider services) => Resolve<IProcessFinalizer>(services);

    public IEnumerable<IThreadFinalizer> ThreadFinalizers(IServiceProvider services) => Resolve<IThreadFinalizer>(services);

    private IEnumerable<T> Resolve<T>(IServiceProvider services)
        where T : class =>
        services.GetServices<T>().Concat(services.GetKeyedServices<T>(poolName));
}
