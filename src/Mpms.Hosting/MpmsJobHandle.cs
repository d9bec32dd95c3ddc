using System.Runtime.CompilerServices;

namespace Mpms.Hosting;

/// <summary>
/// A job accepted by the queue: its id, where it stands, and its awaitable outcome. Awaiting the handle gives the
/// worker's result or throws why there is none.
/// </summary>
/// <typeparam name="TResult">The result type.</typeparam>
/// <remarks>
/// The outcome is exactly one of: the result; <see cref="MpmsWorkerException"/> (the worker threw);
/// <see cref="MpmsJobTimeoutException"/>; <see cref="MpmsWorkerLostException"/> (its process died);
/// <see cref="OperationCanceledException"/> (canceled before it finished).
/// </remarks>
public abstract class MpmsJobHandle<TResult>
{
    private protected MpmsJobHandle()
    {
    }

    /// <summary>Gets the job's id: unique, and sortable by the time the job was accepted.</summary>
    public abstract string JobId { get; }

    /// <summary>Gets where the job stands now.</summary>
    public abstract MpmsJobStatus Status { get; }

    /// <summary>Gets the task that completes with the job's outcome.</summary>
    public abstract Task<TResult> Completion { get; }

    /// <summary>
    /// Asks for the job to be canceled: a job that has not started ends as <see cref="MpmsJobStatus.Canceled"/>
    /// without running; a running job's cancellation token is signalled and its outcome is what the worker does
    /// with it. A finished job is not affected.
    /// </summary>
    public abstract void Cancel();

    /// <summary>
    /// Reads the progress the job reports (<see cref="MpmsJobContext.ReportProgress{TProgress}(TProgress)"/>) as it
    /// comes, newest first: each step yields the latest value not yet yielded, and the stream ends when the job ends.
    /// </summary>
    /// <typeparam name="TProgress">The type the job reports (or one the pool's serializer reads from the same data).</typeparam>
    /// <param name="cancellationToken">Stops reading (the job goes on); the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The progress values, in the order the job reported them, skipping those a slow reader missed.</returns>
    /// <remarks>
    /// A reader that starts late, even after the job ended, first gets the latest value there is. The last value the job
    /// reported before it returned is yielded before the stream ends. The stream ends normally whatever the job's outcome;
    /// await the handle for it. Any number of readers may read at once, each at its own pace. A worker sends at most one
    /// value per <see cref="MpmsOptions.ProgressInterval"/>.
    /// </remarks>
    /// <exception cref="MpmsSerializationException">A value cannot be read as <typeparamref name="TProgress"/> (thrown by the enumeration).</exception>
    public IAsyncEnumerable<TProgress> ReadProgressAsync<TProgress>(CancellationToken cancellationToken = default) =>
        Progress.ReadAsync<TProgress>(cancellationToken);

    /// <summary>
    /// Reports the progress the job reports to <paramref name="progress"/>, as <see cref="ReadProgressAsync{TProgress}"/>
    /// reads it, until the job ends or the returned subscription is disposed.
    /// </summary>
    /// <typeparam name="TProgress">The type the job reports.</typeparam>
    /// <param name="progress">
    /// Where values go, called on the thread pool, one value at a time (a <see cref="Progress{T}"/> made on a UI thread posts
    /// them to it). If it throws, or a value cannot be read, the subscription ends and the failure is logged.
    /// </param>
    /// <returns>The subscription: dispose it to stop reporting.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="progress"/> is <see langword="null"/>.</exception>
    public IDisposable ReportProgressTo<TProgress>(IProgress<TProgress> progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return Progress.Subscribe(progress, OnProgressFailed);
    }

    /// <summary>Gets the number of the job's attempt now; final once the job has its outcome.</summary>
    internal abstract int CurrentAttempt { get; }

    /// <summary>Gets when the queue accepted the job.</summary>
    internal abstract DateTimeOffset AcceptedAt { get; }

    /// <summary>Gets the job's progress, made on first use.</summary>
    private protected abstract JobProgress Progress { get; }

    /// <summary>Says that an <see cref="IProgress{T}"/> given to <see cref="ReportProgressTo{TProgress}"/> failed, and its subscription ended.</summary>
    private protected abstract void OnProgressFailed(Exception exception);

    /// <summary>Gets an awaiter for <see cref="Completion"/>, so that the handle itself can be awaited.</summary>
    /// <returns>The awaiter of <see cref="Completion"/>.</returns>
    public TaskAwaiter<TResult> GetAwaiter() => Completion.GetAwaiter();

    /// <inheritdoc />
    public override string ToString() => $"{JobId} {Status}";
}
