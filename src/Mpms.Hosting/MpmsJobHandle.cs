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

    /// <summary>Gets an awaiter for <see cref="Completion"/>, so that the handle itself can be awaited.</summary>
    /// <returns>The awaiter of <see cref="Completion"/>.</returns>
    public TaskAwaiter<TResult> GetAwaiter() => Completion.GetAwaiter();

    /// <inheritdoc />
    public override string ToString() => $"{JobId} {Status}";
}
