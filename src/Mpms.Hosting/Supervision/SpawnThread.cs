using System.Collections.Concurrent;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// The one thread a pool starts its worker processes from. On Linux a worker asks the kernel for SIGKILL when the thread
/// that started it ends (<c>PR_SET_PDEATHSIG</c>): a thread-pool thread may retire at any moment, this thread lives as
/// long as the pool, so the signal comes exactly when the application dies.
/// </summary>
internal sealed class SpawnThread : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;

    public SpawnThread(string poolName)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"mpms-{poolName}-spawn" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the spawn thread and returns its result, or throws its exception.</summary>
    public T Invoke<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    /// <summary>Ends the thread once it has run what was given to it; call when no worker process of the pool is left.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }

    private void Run()
    {
        foreach (Action work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }
}
