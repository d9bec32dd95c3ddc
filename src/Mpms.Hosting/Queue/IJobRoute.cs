using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting.Queue;

/// <summary>A pool as the non-generic <see cref="IMpmsQueue"/> sees it: which jobs it takes, and how to put one.</summary>
internal interface IJobRoute
{
    string PoolName { get; }

    Type JobType { get; }

    Type ResultType { get; }

    ValueTask<MpmsJobHandle<TResult>> PutAsync<TResult>(object job, CancellationToken cancellationToken);

    bool TryPut<TResult>(object job, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle);

    Task<TResult> RunAsync<TResult>(object job, CancellationToken cancellationToken);
}
