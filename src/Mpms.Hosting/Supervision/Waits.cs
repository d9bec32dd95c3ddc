namespace Mpms.Hosting.Supervision;

/// <summary>Bounded waits that tell whether the task completed, without an exception for the other case.</summary>
internal static class Waits
{
    /// <summary>Waits for <paramref name="task"/> for at most <paramref name="timeout"/> of <paramref name="clock"/>.</summary>
    /// <returns><see langword="true"/> when the task completed in time (in any state).</returns>
    public static async Task<bool> CompletesWithinAsync(Task task, TimeSpan timeout, TimeProvider clock)
    {
        if (task.IsCompleted)
        {
            return true;
        }

        var passed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (clock.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), passed, timeout, Timeout.InfiniteTimeSpan))
        {
            return await Task.WhenAny(task, passed.Task).ConfigureAwait(false) == task;
        }
    }

    /// <summary>Waits for <paramref name="task"/> until <paramref name="deadline"/> is canceled.</summary>
    /// <returns><see langword="true"/> when the task completed first (in any state).</returns>
    public static async Task<bool> CompletesBeforeAsync(Task task, CancellationToken deadline)
    {
        if (task.IsCompleted)
        {
            return true;
        }

        var passed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (deadline.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), passed))
        {
            return await Task.WhenAny(task, passed.Task).ConfigureAwait(false) == task;
        }
    }
}
