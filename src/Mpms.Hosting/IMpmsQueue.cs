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
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The options parameter is required and of its own type: no call can be ambiguous, and the token stays optional as on every other put.")]
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
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The options parameter is required and of its own type: no call can be ambiguous, and the token stays optional as on every other put.")]
    Task<TResult> RunAsync<TResult>(IMpmsJob<TResult> job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts a job on its pool's queue with a priority, a delay or a retry policy of its own, waiting while there is no
    /// room (a delayed job waits for room among the scheduled ones), and returns its handle.
    /// </summary>
    /// <typeparam name="TResult">The job's result type.</typeparam>
    /// <param name="job">The job.</param>
    /// <param name="options">How the job is put.</param>
    /// <param name="cancellationToken">Cancels the wait for room; it does not cancel the accepted job (use <see cref="MpmsJobHandle{TResult}.Cancel"/>).</param>
    /// <returns>The handle of the accepted job.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid (a priority out of range, a negative delay, both a delay and a time).</exception>
    /// <exception cref="MpmsSerializationException">The job cannot be serialised.</exception>
    /// <exception cref="InvalidOperationException">No pool takes the job, or the pool has not started or is completed.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The options parameter is required and of its own type: no call can be ambiguous, and the token stays optional as on every other put.")]
    ValueTask<MpmsJobHandle<TResult>> PutAsync<TResult>(IMpmsJob<TResult> job, MpmsPutOptions options, CancellationToken cancellationToken = default);

    /// <summary>Puts a job on its pool's queue with the given options if there is room now; never waits.</summary>
    /// <typeparam name="TResult">The job's result type.</typeparam>
    /// <param name="job">The job.</param>
    /// <param name="options">How the job is put.</param>
    /// <param name="handle">The handle of the accepted job, or <see langword="null"/> when there is no room.</param>
    /// <returns><see langword="true"/> when the job was accepted; <see langword="false"/> when there is no room.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    /// <exception cref="MpmsSerializationException">The job cannot be serialised.</exception>
    /// <exception cref="InvalidOperationException">No pool takes the job, or the pool has not started or is completed.</exception>
    bool TryPut<TResult>(IMpmsJob<TResult> job, MpmsPutOptions options, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle);

    /// <summary>Puts a job on its pool's queue with the given options and waits for its result.</summary>
    /// <typeparam name="TResult">The job's result type.</typeparam>
    /// <param name="job">The job.</param>
    /// <param name="options">How the job is put.</param>
    /// <param name="cancellationToken">Cancels the job: before it starts (also while it waits for its time or a retry) it never runs; once running its token is signalled.</param>
    /// <returns>The worker's result.</returns>
    /// <exception cref="MpmsWorkerException">The worker threw, on the last attempt.</exception>
    /// <exception cref="MpmsJobTimeoutException">The job ran past <see cref="MpmsOptions.JobTimeout"/>.</exception>
    /// <exception cref="MpmsWorkerLostException">The process running the job died.</exception>
    /// <exception cref="OperationCanceledException">The job was canceled.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The options parameter is required and of its own type: no call can be ambiguous, and the token stays optional as on every other put.")]
    Task<TResult> RunAsync<TResult>(IMpmsJob<TResult> job, MpmsPutOptions options, CancellationToken cancellationToken = default);
}
