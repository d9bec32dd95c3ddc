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

    /// <summary>
    /// Runs many jobs in one call and yields each job's outcome as it completes, the way
    /// <c>ProcessPoolExecutor.map</c> with a <c>chunksize</c> does, but with an outcome per job: every job has its own
    /// status, retries and cancellation, and <see cref="MpmsResult{TJob, TResult}.Job"/> says which job an outcome is of.
    /// </summary>
    /// <param name="jobs">
    /// The jobs, read as room allows: a job is admitted only when the queue has a place for it and the call has fewer
    /// than about a thousand outcomes (or twice <see cref="MpmsOptions.QueueCapacity"/>) admitted and not yet read, so
    /// the input is never buffered whole and may be endless.
    /// </param>
    /// <param name="cancellationToken">
    /// Cancels the call: no more jobs are admitted and every admitted job that has not finished is canceled (one that
    /// runs sees its token). The outcomes of the admitted jobs are still yielded, then the enumeration throws
    /// <see cref="OperationCanceledException"/>.
    /// </param>
    /// <returns>
    /// The outcomes, in the order the jobs complete (not the input order: a slow job does not hold back the ones after
    /// it). Nothing runs until the enumeration starts. Leaving the enumeration early cancels the jobs still out, as the
    /// token does. A job that cannot be serialised gets a <see cref="MpmsJobStatus.Failed"/> outcome with an
    /// <see cref="MpmsSerializationException"/> and the others go on. An outcome may also go to the pool's collector
    /// or result stream, as for any job.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="jobs"/> is <see langword="null"/>; or, thrown by the enumeration after the outcomes of the jobs before it, a job is.</exception>
    /// <exception cref="InvalidOperationException">The pool has not started.</exception>
    /// <exception cref="MpmsQueueCompletedException">The queue is completed (also thrown by the enumeration, after the outcomes of the admitted jobs, when it completes meanwhile).</exception>
    /// <exception cref="MpmsPoolFailedException">The pool has failed.</exception>
    /// <exception cref="NotSupportedException">The pool runs its jobs through a broker: put them one by one.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The source and options parameters are required and of their own types: no call can be ambiguous.")]
    IAsyncEnumerable<MpmsResult<TJob, TResult>> RunManyAsync(IEnumerable<TJob> jobs, CancellationToken cancellationToken = default);

    /// <summary>Runs many jobs in one call, each put with <paramref name="options"/>, and yields each job's outcome as it completes.</summary>
    /// <param name="jobs">The jobs, read as room allows (a delayed job waits for room among the scheduled ones).</param>
    /// <param name="options">How every job is put: its priority, delay (counted from when the job is admitted) or retry policy.</param>
    /// <param name="cancellationToken">Cancels the call, as in <see cref="RunManyAsync(IEnumerable{TJob}, CancellationToken)"/>.</param>
    /// <returns>The outcomes, in the order the jobs complete; see <see cref="RunManyAsync(IEnumerable{TJob}, CancellationToken)"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="jobs"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    /// <exception cref="InvalidOperationException">The pool has not started.</exception>
    /// <exception cref="MpmsQueueCompletedException">The queue is completed.</exception>
    /// <exception cref="MpmsPoolFailedException">The pool has failed.</exception>
    /// <exception cref="NotSupportedException">The pool runs its jobs through a broker: put them one by one.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The source and options parameters are required and of their own types: no call can be ambiguous.")]
    IAsyncEnumerable<MpmsResult<TJob, TResult>> RunManyAsync(IEnumerable<TJob> jobs, MpmsPutOptions options, CancellationToken cancellationToken = default);

    /// <summary>Runs the jobs an asynchronous source yields, as they come and room allows, and yields each job's outcome as it completes.</summary>
    /// <param name="jobs">The jobs; the source is read on the thread pool, and gets the call's token (canceled when the call stops).</param>
    /// <param name="cancellationToken">Cancels the call, as in <see cref="RunManyAsync(IEnumerable{TJob}, CancellationToken)"/>.</param>
    /// <returns>The outcomes, in the order the jobs complete; see <see cref="RunManyAsync(IEnumerable{TJob}, CancellationToken)"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="jobs"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The pool has not started.</exception>
    /// <exception cref="MpmsQueueCompletedException">The queue is completed.</exception>
    /// <exception cref="MpmsPoolFailedException">The pool has failed.</exception>
    /// <exception cref="NotSupportedException">The pool runs its jobs through a broker: put them one by one.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The source and options parameters are required and of their own types: no call can be ambiguous.")]
    IAsyncEnumerable<MpmsResult<TJob, TResult>> RunManyAsync(IAsyncEnumerable<TJob> jobs, CancellationToken cancellationToken = default);
}
