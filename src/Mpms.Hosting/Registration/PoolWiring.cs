using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mpms.Hosting.Registration;

/// <summary>The registrations of one pool that need its job and result types, which the builder's methods do not name.</summary>
internal abstract class PoolWiring
{
    public abstract Type WorkerType { get; }

    /// <summary>Registers <typeparamref name="TCollector"/> as the collector of the pool named <paramref name="poolName"/>.</summary>
    /// <exception cref="ArgumentException"><typeparamref name="TCollector"/> does not collect this pool's jobs.</exception>
    public abstract void AddCollector<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TCollector>(IServiceCollection services, string poolName)
        where TCollector : class;
}

/// <summary>The wiring of a pool whose worker is <typeparamref name="TWorker"/>, taking <typeparamref name="TJob"/> to <typeparamref name="TResult"/>.</summary>
internal sealed class PoolWiring<TWorker, TJob, TResult> : PoolWiring
    where TWorker : class
{
    public override Type WorkerType => typeof(TWorker);

    public override void AddCollector<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TCollector>(IServiceCollection services, string poolName)
    {
        if (!typeof(IMpmsCollector<TJob, TResult>).IsAssignableFrom(typeof(TCollector)))
        {
            throw new ArgumentException(
                $"'{typeof(TCollector).FullName}' cannot collect the outcomes of pool '{poolName}': it must implement IMpmsCollector<{typeof(TJob).Name}, {typeof(TResult).Name}>.",
                nameof(TCollector));
        }

        services.TryAddSingleton<TCollector>();
        services.AddKeyedSingleton<IMpmsCollector<TJob, TResult>>(poolName, static (sp, _) => (IMpmsCollector<TJob, TResult>)sp.GetRequiredService<TCollector>());
    }
}
