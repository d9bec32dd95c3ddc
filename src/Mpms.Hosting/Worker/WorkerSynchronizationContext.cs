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
    public static void Run(Func<Task> main)
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
                callback(state);
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
