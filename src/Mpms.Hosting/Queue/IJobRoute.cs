using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting.Queue;

/// <summary>A pool as the non-generic <see cref="IMpmsQueue"/> sees it: which jobs it takes, and how to put one (options <see langword="null"/>: the defaults).</summary>
internal interface IJobRoute
{
    string PoolName { get; }

    Type JobType { get; }

    Type ResultType { get; }

    ValueTask<MpmsJobHandle<TResult>> PutAsync<TResult>(object job, MpmsPutOptions? options, CancellationToken cancellationToken);

    bool TryPut<TResult>(object job, MpmsPutOptions? options, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle);

    Task<TResult> RunAsync<TResult>(object job, MpmsPutOptions? options, CancellationToken cancellationToken);
}
