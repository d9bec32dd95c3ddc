using System.Diagnostics;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// Wakes one waiting loop: <see cref="Set"/> from any thread; <see cref="WaitAsync"/> returns at the first set, the
/// timeout on the clock, or the cancellation. A set while nobody waits is kept for the next wait, so none is lost.
/// </summary>
internal sealed class WakeSignal(TimeProvider clock)
{
    private readonly Lock _lock = new();

    // A set not yet consumed by a wait; cleared when a wait ends, for whatever reason, since the loop looks right after.
    private bool _set;

    // The one wait in progress, if any.
    private TaskCompletionSource? _waiter;

    public void Set()
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _set = true;
            waiter = _waiter;
        }

        waiter?.TrySetResult();
    }

    /// <summary>Waits for a set (one made since the last wait ended counts), <paramref name="timeout"/>, or the cancellation.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            Debug.Assert(_waiter is null, "One loop waits on a wake signal.");
            if (_set || cancellationToken.IsCancellationRequested)
            {
                _set = false;
                return;
            }

            _waiter = woken;
        }

        using (clock.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), woken, timeout, Timeout.InfiniteTimeSpan))
        using (cancellationToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), woken))
        {
            await woken.Task.ConfigureAwait(false);
        }

        lock (_lock)
        {
            _waiter = null;
            _set = false;
        }
    }
}
