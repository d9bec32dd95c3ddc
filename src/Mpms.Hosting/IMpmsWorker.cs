using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting;

/// <summary>
/// A worker of an MPMS pool: implement <see cref="IMpmsWorker{TJob, TResult}"/>, which derives from this. It lets
/// <c>services.AddMpms&lt;TWorker&gt;()</c> accept exactly the types that are workers, checked by the compiler: a
/// class that implements <see cref="IMpmsWorker{TJob, TResult}"/> for two job types does not compile as a worker.
/// </summary>
#pragma warning disable CA1040 // Its one member is internal: for users it is the marker of a worker type.
public interface IMpmsWorker
#pragma warning restore CA1040
{
    /// <summary>Calls <paramref name="visitor"/> with the worker's job and result types.</summary>
    internal static abstract TReturn Accept<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWorker, TReturn>(IWorkerTypeVisitor<TReturn> visitor)
        where TWorker : class, IMpmsWorker;
}

/// <summary>
/// Runs one job inside a worker process. Register the implementation with
/// <c>services.AddMpms&lt;TWorker&gt;()</c>.
/// </summary>
/// <typeparam name="TJob">The job type. It travels to the worker process, so it must be serialisable.</typeparam>
/// <typeparam name="TResult">The result type. It travels back, so it must be serialisable.</typeparam>
/// <remarks>
/// The worker is resolved once per worker thread from that thread's DI scope, so a scoped dependency
/// is a per-thread resource and a singleton is a per-process resource. Every call runs on the same
/// dedicated OS thread, also after an <see langword="await"/> (unless the code opts out with
/// <c>ConfigureAwait(false)</c>).
/// </remarks>
public interface IMpmsWorker<in TJob, TResult> : IMpmsWorker
{
    // How AddMpms learns TJob and TResult from the worker type alone, with no reflection (so trimming and AOT keep it).
    static TReturn IMpmsWorker.Accept<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWorker, TReturn>(IWorkerTypeVisitor<TReturn> visitor) => visitor.Visit<TWorker, TJob, TResult>();

    /// <summary>Runs <paramref name="job"/> and returns its result.</summary>
    /// <param name="job">The job, as the application passed it to the queue.</param>
    /// <param name="context">Where and as what the job runs: job id, attempt, process and thread.</param>
    /// <param name="cancellationToken">
    /// Signalled when the caller cancels the job, when <see cref="MpmsOptions.JobTimeout"/> passes, or when
    /// the process must stop at once.
    /// </param>
    /// <returns>The result that completes the job's handle and reaches the collector.</returns>
    ValueTask<TResult> ExecuteAsync(TJob job, MpmsJobContext context, CancellationToken cancellationToken);
}
