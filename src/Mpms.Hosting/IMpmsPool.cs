namespace Mpms.Hosting;

/// <summary>
/// Controls one pool: complete it, wait for it, shut it down, and see its counters and health. Resolve it from DI as a
/// keyed service whose key is the pool name, or as <see cref="IMpmsPool{TJob, TResult}"/>. Putting jobs is the
/// queue's: <see cref="IMpmsQueue{TJob, TResult}"/> and <see cref="IMpmsQueue"/>.
/// </summary>
public interface IMpmsPool
{
    /// <summary>Gets the pool's name: the worker type's name unless the pool was named in <c>AddMpms</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Completes the queue: later puts fail with <see cref="MpmsQueueCompletedException"/>; accepted jobs still run
    /// (the original MPMS's <c>close()</c>).
    /// </summary>
    void Complete();

    /// <summary>
    /// Waits until the queue is completed and every accepted job has its outcome, seen by the collector if there is one
    /// (the original MPMS's <c>join()</c>).
    /// </summary>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>A task that completes when every accepted job has its outcome.</returns>
    Task WaitForCompletionAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes the queue, waits up to <paramref name="timeout"/> for the accepted jobs, then stops the pool:
    /// jobs still running are killed with their processes and get an outcome (the original MPMS's
    /// <c>graceful_shutdown</c>).
    /// </summary>
    /// <param name="timeout">How long the accepted jobs may take.</param>
    /// <param name="cancellationToken">Stops the wait early, as if the timeout had passed.</param>
    /// <returns><see langword="true"/> when every job finished within the timeout.</returns>
    Task<bool> ShutdownAsync(TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Gets a snapshot of the pool's counters, life stage and health.</summary>
    /// <returns>The counters now.</returns>
    MpmsPoolStats GetStats();

    /// <summary>
    /// Gets what a dashboard shows of the pool: its counters, its processes and their threads with the jobs they run, the
    /// last process exits and why, throughput over the last minutes, and the latest failures with their stack traces.
    /// </summary>
    /// <returns>The details now.</returns>
    /// <remarks>Costs more than <see cref="GetStats"/> (a read of each process's memory): for polling every few seconds.</remarks>
    MpmsPoolDetails GetDetails();
}

/// <summary>
/// Controls one pool whose jobs are <typeparamref name="TJob"/> and results <typeparamref name="TResult"/>, and reads its
/// outcomes. When several pools share the job and result types, resolve it as a keyed service whose key is the pool name.
/// </summary>
/// <typeparam name="TJob">The pool's job type.</typeparam>
/// <typeparam name="TResult">The pool's result type.</typeparam>
public interface IMpmsPool<TJob, TResult> : IMpmsPool
{
    /// <summary>
    /// Reads the outcome of every job, in completion order (the original MPMS's <c>iter_results</c>). The sequence
    /// ends when the queue is completed and every accepted job has its outcome.
    /// </summary>
    /// <param name="cancellationToken">Stops the reading.</param>
    /// <returns>The outcomes.</returns>
    /// <exception cref="InvalidOperationException">
    /// <see cref="MpmsOptions.EnableResultStream"/> is off (outcomes are only buffered for reading when it is on),
    /// a collector is registered, or another reader is already reading.
    /// </exception>
    IAsyncEnumerable<MpmsResult<TJob, TResult>> ReadResultsAsync(CancellationToken cancellationToken = default);
}
