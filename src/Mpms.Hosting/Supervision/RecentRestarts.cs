namespace Mpms.Hosting.Supervision;

/// <summary>
/// Counts the processes started to replace one that ended within the last <see cref="MpmsOptions.RestartWindow"/>, the
/// window the start-failure policy judges restart storms by. Not thread-safe: the supervisor asks it under its lock.
/// </summary>
/// <remarks>
/// It keeps one timestamp per restart in the window. Restarts cost a process start each, so the window holds few of
/// them; a pool that replaces processes faster than it can start them is in a storm the count is there to show.
/// </remarks>
internal sealed class RecentRestarts(TimeSpan window, TimeProvider clock)
{
    // The clock's timestamps of the restarts within the window, oldest first.
    private readonly Queue<long> _restarts = new();

    /// <summary>A process was started to replace one that ended.</summary>
    public void Record()
    {
        _restarts.Enqueue(clock.GetTimestamp());
        Forget();
    }

    /// <summary>Counts the restarts within the window now.</summary>
    public int Count()
    {
        Forget();
        return _restarts.Count;
    }

    private void Forget()
    {
        long now = clock.GetTimestamp();
        while (_restarts.Count > 0 && clock.GetElapsedTime(_restarts.Peek(), now) > window)
        {
            _restarts.Dequeue();
        }
    }
}
