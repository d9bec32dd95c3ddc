using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting.Registration;

/// <summary>
/// Stands in for the queues inside a worker process, where the application's services are registered but the pools
/// are not running: resolving a queue works (so DI validation passes), using one explains why it cannot.
/// </summary>
internal sealed class WorkerRoleQueue<TJob, TResult>(string poolName) : IMpmsQueue<TJob, TResult>, IMpmsPool<TJob, TResult>, IMpmsQueue
{
    public string PoolName => poolName;

    public string Name => poolName;

    public ValueTask<MpmsJobHandle<TResult>> PutAsync(TJob job, CancellationToken cancellationToken = default) => throw Unavailable();

    public bool TryPut(TJob job, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle) => throw Unavailable();

    public Task<TResult> RunAsync(TJob job, CancellationToken cancellationToken = default) => throw Unavailable();

    public IAsyncEnumerable<MpmsResult<TJob, TResult>> ReadResultsAsync(CancellationToken cancellationToken = default) => throw Unavailable();

    public void Complete() => throw Unavailable();

    public Task WaitForCompletionAsync(CancellationToken cancellationToken = default) => throw Unavailable();

    public Task<bool> ShutdownAsync(TimeSpan timeout, CancellationToken cancellationToken = default) => throw Unavailable();

    public MpmsPoolStats GetStats() => throw Unavailable();

    public MpmsPoolDetails GetDetails() => throw Unavailable();

    public ValueTask<MpmsJobHandle<T>> PutAsync<T>(IMpmsJob<T> job, CancellationToken cancellationToken = default) => throw Unavailable();

    public bool TryPut<T>(IMpmsJob<T> job, [NotNullWhen(true)] out MpmsJobHandle<T>? handle) => throw Unavailable();

    public Task<T> RunAsync<T>(IMpmsJob<T> job, CancellationToken cancellationToken = default) => throw Unavailable();

    public ValueTask<MpmsJobHandle<TResult>> PutAsync(TJob job, MpmsPutOptions options, CancellationToken cancellationToken = default) => throw Unavailable();

    public bool TryPut(TJob job, MpmsPutOptions options, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle) => throw Unavailable();

    public Task<TResult> RunAsync(TJob job, MpmsPutOptions options, CancellationToken cancellationToken = default) => throw Unavailable();

    public ValueTask<MpmsJobHandle<T>> PutAsync<T>(IMpmsJob<T> job, MpmsPutOptions options, CancellationToken cancellationToken = default) => throw Unavailable();

    public bool TryPut<T>(IMpmsJob<T> job, MpmsPutOptions options, [NotNullWhen(true)] out MpmsJobHandle<T>? handle) => throw Unavailable();

    public Task<T> RunAsync<T>(IMpmsJob<T> job, MpmsPutOptions options, CancellationToken cancellationToken = default) => throw Unavailable();

    public IAsyncEnumerable<MpmsResult<TJob, TResult>> RunManyAsync(IEnumerable<TJob> jobs, CancellationToken cancellationToken = default) => throw Unavailable();

    public IAsyncEnumerable<MpmsResult<TJob, TResult>> RunManyAsync(IEnumerable<TJob> jobs, MpmsPutOptions options, CancellationToken cancellationToken = default) => throw Unavailable();

    public IAsyncEnumerable<MpmsResult<TJob, TResult>> RunManyAsync(IAsyncEnumerable<TJob> jobs, CancellationToken cancellationToken = default) => throw Unavailable();

    private static InvalidOperationException Unavailable() => new(
        $"This process is an Mpms.Hosting worker process (pool '{Protocol.StartupVariables.CurrentPool}'): its pools do not run here, so jobs cannot be put from inside a worker.");
}
