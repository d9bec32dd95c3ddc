namespace Mpms.Hosting.Protocol;

/// <summary>
/// Runs a link's reading on a dedicated thread of its own, so that a read that blocks (see
/// <see cref="BlockingReceiveStream"/>) holds no thread-pool thread, and the frames it brings in are handled on the
/// thread the kernel woke, with no hop to another.
/// </summary>
internal static class ReaderThread
{
    // The name every link reader thread shows in a debugger, a dump or `top -H`.
    private const string Name = "Mpms link reader";

    /// <summary>Starts <paramref name="read"/> on a new background thread and completes with it.</summary>
    public static Task<T> Run<T>(Func<Task<T>> read)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                // Every read completes on this thread, so the loop ends on it too; GetResult only waits if a handler
                // ever made it asynchronous.
                done.SetResult(read().GetAwaiter().GetResult());
            }
            catch (OperationCanceledException ex)
            {
                done.SetCanceled(ex.CancellationToken);
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = Name,
        };
        thread.UnsafeStart();
        return done.Task;
    }
}
