namespace Mpms.Hosting;

/// <summary>
/// Receives the outcome of every job of a pool in the application process, one at a time, in completion order
/// (the original MPMS's <c>collector</c>). Register it in DI; it is optional.
/// </summary>
/// <typeparam name="TJob">The pool's job type.</typeparam>
/// <typeparam name="TResult">The pool's result type.</typeparam>
/// <remarks>
/// Calls never overlap. An exception thrown by the collector is logged and collection goes on with the next
/// result. A pool with a collector cannot also be read with <see cref="IMpmsPool{TJob, TResult}.ReadResultsAsync"/>.
/// </remarks>
public interface IMpmsCollector<TJob, TResult>
{
    /// <summary>Handles the outcome of one job.</summary>
    /// <param name="result">The outcome, with the job, its status, value or exception, timings and where it ran.</param>
    /// <param name="cancellationToken">Signalled when the host stops and the collector must hurry.</param>
    ValueTask CollectAsync(MpmsResult<TJob, TResult> result, CancellationToken cancellationToken);
}
