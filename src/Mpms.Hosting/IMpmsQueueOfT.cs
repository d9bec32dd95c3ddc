using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting;

/// <summary>
/// Puts jobs on one pool. Resolve it from DI; when several pools share the job and result types, resolve it as a keyed
/// service whose key is the pool name. To complete the pool, read its outcomes or see its counters, use
/// <see cref="IMpmsPool{TJob, TResult}"/>.
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
    /// <exception cref="InvalidOperationException">The pool has not started.</exception>
    /// <exception cref="MpmsQueueCompletedException">The queue is completed: the pool accepts no more jobs.</exception>
    /// <exception cref="MpmsPoolFailedException">The pool has failed: its processes cannot start.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The options parameter is required and of its own type: no call can be ambiguous, and the token stays optional as on every other put.")]
    ValueTask<MpmsJobHandle<TResult>> PutAsync(TJob job, CancellationToken cancellationToken = default);

    /// <summary>Puts a job on the queue if there is room now; never waits (answer HTTP 429 or 503 when it returns <see langword="false"/>).</summary>
    /// <param name="job">The job.</param>
    /// <param name="handle">The handle of the accepted job, or <see langword="null"/> when the queue is full.</param>
    /// <returns><see langword="true"/> when the job was accepted; <see langword="false"/> when the queue is full.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is <see langword="null"/>.</exception>
    /// <exception cref="MpmsSerializationException">The job cannot be serialised.</exception>
    /// <exception cref="InvalidOperationException">The pool has not started.</exception>
    /// <exception cref="MpmsQueueCompletedException">The queue is completed: the pool accepts no more jobs.</exception>
    /// <exception cref="MpmsPoolFailedException">The pool has failed: its processes cannot start.</exception>
    bool TryPut(TJob job, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle);

    /// <summary>Puts a job on the queue and waits for its result.</summary>
    /// <param name="job">The job.</param>
    /// <param name="cancellationToken">Cancels the job: before it starts it never runs; once running its token is signalled.</param>
    /// <returns>The worker's result.</returns>
    /// <exception cref="MpmsWorkerException">The worker threw.</exception>
    /// <exception cref="MpmsJobTimeoutException">The job ran past <see cref="MpmsOptions.JobTimeout"/>.</exception>
    /// <exception cref="MpmsWorkerLostException">The process running the job died.</exception>
    /// <exception cref="OperationCanceledException">The job was canceled.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The options parameter is required and of its own type: no call can be ambiguous, and the token stays optional as on every other put.")]
    Task<TResult> RunAsync(TJob job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts a job on the queue with a priority, a delay or a retry policy of its own, waiting while there is no room (a
    /// delayed job waits for room among the scheduled ones, <see cref="MpmsOptions.ScheduledCapacity"/>), and returns its handle.
    /// </summary>
    /// <param name="job">The job.</param>
    /// <param name="options">How the job is put.</param>
    /// <param name="cancellationToken">Cancels the wait for room; it does not cancel the accepted job (use <see cref="MpmsJobHandle{TResult}.Cancel"/>).</param>
    /// <returns>The handle of the accepted job.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid (a priority out of range, a negative delay, both a delay and a time).</exception>
    /// <exception cref="MpmsSerializationException">The job cannot be serialised.</exception>
    /// <exception cref="InvalidOperationException">The pool has not started.</exception>
    /// <exception cref="MpmsQueueCompletedException">The queue is completed: the pool accepts no more jobs.</exception>
    /// <exception cref="MpmsPoolFailedException">The pool has failed: its processes cannot start.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The options parameter is required and of its own type: no call can be ambiguous, and the token stays optional as on every other put.")]
    ValueTask<MpmsJobHandle<TResult>> PutAsync(TJob job, MpmsPutOptions options, CancellationToken cancellationToken = default);

    /// <summary>Puts a job on the queue with the given options if there is room now; never waits.</summary>
    /// <param name="job">The job.</param>
    /// <param name="options">How the job is put.</param>
    /// <param name="handle">The handle of the accepted job, or <see langword="null"/> when there is no room.</param>
    /// <returns><see langword="true"/> when the job was accepted; <see langword="false"/> when there is no room.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    /// <exception cref="MpmsSerializationException">The job cannot be serialised.</exception>
    /// <exception cref="InvalidOperationException">The pool has not started.</exception>
    /// <exception cref="MpmsQueueCompletedException">The queue is completed: the pool accepts no more jobs.</exception>
    /// <exception cref="MpmsPoolFailedException">The pool has failed: its processes cannot start.</exception>
    bool TryPut(TJob job, MpmsPutOptions options, [NotNullWhen(true)] out MpmsJobHandle<TResult>? handle);

    /// <summary>Puts a job on the queue with the given options and waits for its result.</summary>
    /// <param name="job">The job.</param>
    /// <param name="options">How the job is put.</param>
    /// <param name="cancellationToken">Cancels the job: before it starts (also while it waits for its time or a retry) it never runs; once running its token is signalled.</param>
    /// <returns>The worker's result.</returns>
    /// <exception cref="MpmsWorkerException">The worker threw, on the last attempt.</exception>
    /// <exception cref="MpmsJobTimeoutException">The job ran past <see cref="MpmsOptions.JobTimeout"/>.</exception>
    /// <exception cref="MpmsWorkerLostException">The process running the job died.</exception>
    /// <exception cref="OperationCanceledException">The job was canceled.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The options parameter is required and of its own type: no call can be ambiguous, and the token stays optional as on every other put.")]
    Task<TResult> RunAsync(TJob job, MpmsPutOptions options, CancellationToken cancellationToken = default);
}
