namespace Mpms.Hosting;

/// <summary>
/// Runs once on a worker thread when it ends normally (at shutdown, at <see cref="MpmsOptions.MaxJobsPerThread"/>
/// or <see cref="MpmsOptions.ThreadLifetime"/>, or when its process drains), on that very thread and in its DI
/// scope. The mirror image of <see cref="IThreadInitializer"/>.
/// </summary>
/// <remarks>
/// It does not run on a thread whose initializers failed. An exception is logged and the thread's exit goes on;
/// the next finalizer still runs.
/// </remarks>
public interface IThreadFinalizer
{
    /// <summary>Releases the thread's resources.</summary>
    /// <param name="context">The pool, process and thread that is ending.</param>
    /// <param name="cancellationToken">Signalled when the process must exit at once.</param>
    ValueTask FinalizeAsync(MpmsThreadContext context, CancellationToken cancellationToken);
}
