using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting;

/// <summary>
/// Puts jobs on the pool whose worker takes them. Inject it into controllers and services; the job's type
/// (an <see cref="IMpmsJob{TResult}"/>) chooses the pool and gives the result type.
/// </summary>
/// <remarks>
/// For a job type that does not implement <see cref="IMpmsJob{TResult}"/>, or to complete, read or inspect a pool,
/// inject <see cref="IMpmsQueue{TJob, TResult}"/> instead.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "The name is the product's: it is a queue.")]
public interface IMpmsQueue
{
    /// <summary>
    /// Puts a job on its pool's queue, waiting while the queue is full (backpressure), and returns its handle.
    /// </summary>
    /// <typeparam name="TResult">The job's result type.</typeparam>
    /// <param name="job">The job.</param>
    /// <param name="cancellationToken">Cancels the wait for room in the queue; it does not cancel the accepted job (use <see cref="MpmsJobHandle{TResult}.Cancel"/>).</param>
    /// <returns>The handle of the accepted job.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is <see langword="null"/>.</exception>
    /// <exception cref="MpmsSerializationException">The job cannot be serialised.</exception>
    /// <exception cref="InvalidOperationException">No pool takes the job, or the pool has not started or is completed.</exception>
    ValueTask<MpmsJobHandle<TResult>> PutAsync<TResult>(IMpmsJob<TResult> job, CancellationToken cancellationToken = default);

    /// <summary>Puts a job on its pool's queue if there is room now; never waits.</summary>
    /// <typeparam name="TResult">The job's result type.</typeparam>
    /// <param name="job">The job.</param>
    /// <param name="handle">The handle of the accepted job, or <see langword="null"/> when the queue is full.</param>
    /// <returns><see langword="true"/> when the job was accepted; <see langword="false"/> when the queue is full.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is <see langword="null"/>.</exception>
    /// <exception cref="MpmsSerializationException">The job cannot be serialised.</exception>
    /// <exception cref="InvalidOperationException">No pool takes the job, or the pool has not started or is completed.</exception>
    bool TryPut<TResult>(IMpmsJob<TResult> job, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle);

    /// <summary>Puts a job on its pool's queue and waits for its result.</summary>
    /// <typeparam name="TResult">The job's result type.</typeparam>
    /// <param name="job">The job.</param>
    /// <param name="cancellationToken">Cancels the job: before it starts it never runs; once running its token is signalled.</param>
    /// <returns>The worker's result.</returns>
    /// <exception cref="MpmsWorkerException">The worker threw.</exception>
    /// <exception cref="MpmsJobTimeoutException">The job ran past <see cref="MpmsOptions.JobTimeout"/>.</exception>
    /// <exception cref="MpmsWorkerLostException">The process running the job died.</exception>
    /// <exception cref="OperationCanceledException">The job was canceled.</exception>
    Task<TResult> RunAsync<TResult>(IMpmsJob<TResult> job, CancellationToken cancellationToken = default);
}
