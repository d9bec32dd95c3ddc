using System.Collections.Concurrent;

namespace Mpms.Hosting.Worker;

/// <summary>
/// A single-threaded synchronization context: every continuation posted to it runs on the one thread that pumps it.
/// This is what keeps a worker thread's initializer, its jobs and its finalizer on that thread across <c>await</c>,
/// so that thread-local resources behave as the seed describes.
/// </summary>
internal sealed class WorkerSynchronizationContext : SynchronizationContext
{
    private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _queue = [];
    private readonly int _threadId = Environment.CurrentManagedThreadId;

    /// <summary>Runs <paramref name="main"/> on the calling thread, pumping its continuations until it completes.</summary>
    /// <param name="main">The thread's work.</param>
    /// <param name="callbackFailed">
    /// Told of an exception a posted callback threw (an <c>async void</c> method of a job that failed): the thread goes on
    /// pumping, so the job it runs still gets its outcome and the continuations queued behind it still run. Without it
    /// the exception ends the pump.
    /// </param>
    public static void Run(Func<Task> main, Action<Exception>? callbackFailed = null)
    {
        SynchronizationContext? previous = Current;
        var context = new WorkerSynchronizationContext();
        SetSynchronizationContext(context);
        try
        {
            Task task = main();
            task.ContinueWith(static (_, state) => ((WorkerSynchronizationContext)state!)._queue.CompleteAdding(), context, TaskScheduler.Default);
            foreach ((SendOrPostCallback callback, object? state) in context._queue.GetConsumingEnumerable())
            {
                try
                {
                    callback(state);
                }
                catch (Exception ex) when (callbackFailed is not null)
                {
                    callbackFailed(ex);
                }
            }

            task.GetAwaiter().GetResult();
        }
        finally
        {
            SetSynchronizationContext(previous);
            context._queue.Dispose();
        }
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        try
        {
            _queue.Add((d, state));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // The thread has finished its work: a stray continuation (from work it abandoned) runs on the pool instead.
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.d(s.state), (d, state), preferLocal: false);
        }
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        if (Environment.CurrentManagedThreadId == _threadId)
        {
            d(state);
            return;
        }

        using var done = new ManualResetEventSlim();
        Exception? error = null;
        Post(_ =>
        {
            try
            {
                d(state);
            }
            catch (Exception ex)
            {
                error = ex;
            }
            finally
            {
                done.Set();
            }
        }, null);
        done.Wait();
        if (error is not null)
        {
            throw new InvalidOperationException("A callback sent to a worker thread failed.", error);
        }
    }

    public override SynchronizationContext CreateCopy() => this;
}
