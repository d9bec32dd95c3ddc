using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting.Queue;

/// <summary>The non-generic queue: finds the one pool whose job type accepts the job's runtime type.</summary>
internal sealed class MpmsQueueRouter(IEnumerable<IJobRoute> routes) : IMpmsQueue
{
    private readonly IJobRoute[] _routes = routes.ToArray();
    private readonly ConcurrentDictionary<(Type Job, Type Result), IJobRoute> _byJobType = new();

    public ValueTask<MpmsJobHandle<TResult>> PutAsync<TResult>(IMpmsJob<TResult> job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return RouteFor<TResult>(job).PutAsync<TResult>(job, null, cancellationToken);
    }

    public bool TryPut<TResult>(IMpmsJob<TResult> job, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle)
    {
        ArgumentNullException.ThrowIfNull(job);
        return RouteFor<TResult>(job).TryPut(job, null, out handle);
    }

    public Task<TResult> RunAsync<TResult>(IMpmsJob<TResult> job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return RouteFor<TResult>(job).RunAsync<TResult>(job, null, cancellationToken);
    }

    public ValueTask<MpmsJobHandle<TResult>> PutAsync<TResult>(IMpmsJob<TResult> job, MpmsPutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        return RouteFor<TResult>(job).PutAsync<TResult>(job, options, cancellationToken);
    }

    public bool TryPut<TResult>(IMpmsJob<TResult> job, MpmsPutOptions options, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        return RouteFor<TResult>(job).TryPut(job, options, out handle);
    }

    public Task<TResult> RunAsync<TResult>(IMpmsJob<TResult> job, MpmsPutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        return RouteFor<TResult>(job).RunAsync<TResult>(job, options, cancellationToken);
    }

    private IJobRoute RouteFor<TResult>(object job) => _byJobType.GetOrAdd((job.GetType(), typeof(TResult)), Resolve);

    private IJobRoute Resolve((Type Job, Type Result) key)
    {
        (Type jobType, Type resultType) = key;
        IJobRoute[] matches = _routes.Where(r => r.JobType.IsAssignableFrom(jobType) && r.ResultType == resultType).ToArray();
        return matches.Length switch
        {
            1 => matches[0],
            0 => throw new InvalidOperationException(
                $"No pool takes jobs of type '{jobType.FullName}' with results of type '{resultType.FullName}': register a worker that implements IMpmsWorker<{jobType.Name}, {resultType.Name}> with services.AddMpms<TWorker>()."),
            _ => throw new InvalidOperationException(
                $"Jobs of type '{jobType.FullName}' are taken by several pools ({string.Join(", ", matches.Select(m => m.PoolName))}): inject the pool's IMpmsQueue<TJob, TResult> as a keyed service ([FromKeyedServices(\"<pool>\")]) instead."),
        };
    }
}
