namespace Mpms.Hosting.Queue;

/// <summary>
/// The window of one bulk call (<see cref="IMpmsQueue{TJob, TResult}.RunManyAsync(IEnumerable{TJob}, CancellationToken)"/>):
/// a fixed number of slots, one per job admitted whose outcome the caller has not read yet. The call admits a job only
/// into a free slot, so a caller that reads slowly holds up admission instead of letting outcomes pile up; and the
/// slots name the jobs to cancel when the call is canceled or abandoned.
/// </summary>
internal sealed class BulkWindow<TJob, TResult>
{
    private readonly Lock _lock = new();
    private readonly PendingJob<TJob, TResult>?[] _jobs;
    private readonly int[] _free;
    private readonly int _wakeAt;
    private int _freeCount;
    private TaskCompletionSource? _room;

    public BulkWindow(int size)
    {
        _jobs = new PendingJob<TJob, TResult>?[size];
        _free = new int[size];
        for (int i = 0; i < size; i++)
        {
            _free[i] = size - 1 - i;
        }

        _freeCount = size;

        // A waiting admission is woken for a batch of slots, not for each one: one burst, one write to the links.
        _wakeAt = Math.Max(1, size / 8);
    }

    /// <summary>Takes up to <c>into.Length</c> free slots, waiting until there is at least one; returns how many it took.</summary>
    public async ValueTask<int> TakeAsync(int[] into, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task room;
            lock (_lock)
            {
                int taken = Math.Min(into.Length, _freeCount);
                for (int i = 0; i < taken; i++)
                {
                    into[i] = _free[--_freeCount];
                }

                if (taken > 0)
                {
                    return taken;
                }

                _room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                room = _room.Task;
            }

            await room.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records which job holds each of the given slots, so that <see cref="Unfinished"/> finds it.</summary>
    public void Register(ReadOnlySpan<PendingJob<TJob, TResult>> jobs)
    {
        lock (_lock)
        {
            foreach (PendingJob<TJob, TResult> job in jobs)
            {
                _jobs[job.RunSlot] = job;
            }
        }
    }

    /// <summary>Frees a slot: its job's outcome was read, or it was taken and not used.</summary>
    public void Release(int slot)
    {
        TaskCompletionSource? room = null;
        lock (_lock)
        {
            _jobs[slot] = null;
            _free[_freeCount++] = slot;
            if (_room is not null && _freeCount >= Math.Min(_wakeAt, _free.Length))
            {
                (room, _room) = (_room, null);
            }
        }

        room?.TrySetResult();
    }

    /// <summary>Gets the jobs admitted whose outcome has not been read: those still to be canceled, if they have not finished.</summary>
    public List<PendingJob<TJob, TResult>> Unfinished()
    {
        var jobs = new List<PendingJob<TJob, TResult>>();
        lock (_lock)
        {
            foreach (PendingJob<TJob, TResult>? job in _jobs)
            {
                if (job is not null && !job.IsDone)
                {
                    jobs.Add(job);
                }
            }
        }

        return jobs;
    }
}
