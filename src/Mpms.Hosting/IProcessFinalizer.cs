namespace Mpms.Hosting;

/// <summary>
/// Runs once when a worker process ends normally, after its last thread has ended: when the host stops, when the
/// process is recycled by a lifecycle limit, or after a graceful die. The mirror image of
/// <see cref="IProcessInitializer"/>.
/// </summary>
/// <remarks>
/// Resolved like <see cref="IProcessInitializer"/>. It does not run when the process's initializers failed, nor
/// when the process is killed. An exception is logged and the exit goes on; the next finalizer still runs.
/// </remarks>
public interface IProcessFinalizer
{
    /// <summary>Releases the process's resources.</summary>
    /// <param name="context">The pool and process that is ending.</param>
    /// <param name="cancellationToken">Signalled when the process must exit at once.</param>
    ValueTask FinalizeAsync(MpmsProcessContext context, CancellationToken cancellationToken);
}
