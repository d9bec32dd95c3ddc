using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting;

/// <summary>
/// The queue of one pool: put jobs, read outcomes, complete it, and see its counters. Resolve it from DI; when
/// several pools share the job and result types, resolve it as a keyed service whose key is the pool name.
/// </summary>
/// <typeparam name="TJob">The pool's job type.</typeparam>
/// <typeparam name="TResult">The pool's result type.</typeparam>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The name is the product's: it is a queue.")]
public interface IMpmsQueue<TJob, TResult>
{
    /// <summary>Gets the pool's name.</summary>
    string PoolName { get; }

    /// <summary>Puts a job on the queue, waiting while the queue is full (backpressure), and returns its handle.</summary>
    /// <param name="job">The job.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the queue; it does not cancel the accepted job (use <see cref="MpmsJobHandle{TResult}.Cancel"/>).</param>
    /// <returns>The handle of the accepted job.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is <see langword="null"/>.</exception>
    /// <exception cref="MpmsSerializationException">The job cannot be serialised.</exception>
    /// <exception cref="InvalidOperationException">The pool has not started, or the queue is completed.</exception>
    ValueTask<MpmsJobHandle<TResult>> PutAsync(TJob job, CancellationToken cancellationToken = default);

    /// <summary>Puts a job on the queue if there is room now; never waits (answer HTTP 429 or 503 when it returns <see langword="false"/>).</summary>
    /// <param name="job">The job.</param>
    /// <param name="handle">The handle of the accepted job, or <see langword="null"/> when the queue is full.</param>
    /// <returns><see langword="true"/> when the job was accepted; <see langword="false"/> when the queue is full.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is <see langword="null"/>.</exception>
    /// <exception cref="MpmsSerializationException">The job cannot be serialised.</exception>
    /// <exception cref="InvalidOperationException">The pool has not started, or the queue is completed.</exception>
    bool TryPut(TJob job, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle);

    /// <summary>Puts a job on the queue and waits for its result.</summary>
    /// <param name="job">The job.</param>
    /// <param name="cancellationToken">Cancels the job: before it starts it never runs; once running its token is signalled.</param>
    /// <returns>The worker's result.</returns>
    /// <exception cref="MpmsWorkerException">The worker threw.</exception>
    /// <exception cref="MpmsJobTimeoutException">The job ran past <see cref="MpmsOptions.JobTimeout"/>.</exception>
    /// <exception cref="MpmsWorkerLostException">The process running the job died.</exception>
    /// <exception cref="OperationCanceledException">The job was canceled.</exception>
    Task<TResult> RunAsync(TJob job, CancellationToken cancellationToken = default);

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

    /// <summary>
    /// Completes the queue: later puts fail with <see cref="InvalidOperationException"/>; accepted jobs still run
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

    /// <summary>Gets a snapshot of the pool's counters.</summary>
    /// <returns>The counters now.</returns>
    MpmsPoolStats GetStats();
}
