using System.Diagnostics;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Items that wait for their time — jobs put with a delay, jobs waiting to be retried — on one timer for the whole set,
/// armed for the earliest: when it fires, every item whose time has come is handed to <c>onDue</c>, in time order.
/// </summary>
/// <remarks>
/// The handing out happens outside the lock, on the timer's thread (or the thread that advances a fake clock), so
/// <c>onDue</c> may take its own locks. A closed schedule takes no more items.
/// </remarks>
internal sealed class JobSchedule<T> : IDisposable
    where T : class
{
    // A timer waits at most this long; one due later fires early and is armed again.
    private static readonly TimeSpan MaxTimerWait = TimeSpan.FromMilliseconds(int.MaxValue - 1);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Action<T> _onDue;

    // Under _lock. Ordered by due time, then by the order of adding, so items due together keep it.
    private readonly PriorityQueue<T, (long DueTicks, long Order)> _items = new();
    private long _added;
    private long _armedFor = long.MaxValue;
    private bool _closed;
    private ITimer? _timer;

    public JobSchedule(TimeProvider time, Action<T> onDue)
    {
        _time = time;
        _onDue = onDue;
    }

    /// <summary>Gets how many items wait (canceled ones leave at once through <see cref="Remove"/>).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an item to be handed out at <paramref name="dueAt"/>; <see langword="false"/> when the schedule is closed.</summary>
    public bool TryAdd(T item, DateTimeOffset dueAt)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _items.Enqueue(item, (dueAt.UtcTicks, _added++));
            if (dueAt.UtcTicks < _armedFor)
            {
                Arm(dueAt.UtcTicks);
            }
        }

        return true;
    }

    /// <summary>Takes an item out before its time (it was canceled); <see langword="false"/> when it is not there.</summary>
    public bool Remove(T item)
    {
        lock (_lock)
        {
            // Linear, on cancellation only; the timer may then fire for nothing and re-arm.
            return _items.Remove(item, out _, out _, ReferenceEqualityComparer.Instance);
        }
    }

    /// <summary>Takes no more items and returns those still waiting, in time order.</summary>
    public List<T> Close()
    {
        var left = new List<T>();
        lock (_lock)
        {
            _closed = true;
            while (_items.TryDequeue(out T? item, out _))
            {
                left.Add(item);
            }

            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _armedFor = long.MaxValue;
        }

        return left;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _closed = true;
            _timer?.Dispose();
        }
    }

    private void OnTimer()
    {
        List<T>? due = null;
        lock (_lock)
        {
            long now = _time.GetUtcNow().UtcTicks;
            while (_items.TryPeek(out T? item, out (long DueTicks, long Order) at) && at.DueTicks <= now)
            {
                _items.Dequeue();
                (due ??= []).Add(item);
            }

            _armedFor = long.MaxValue;
            if (!_closed && _items.TryPeek(out _, out (long DueTicks, long Order) next))
            {
                Arm(next.DueTicks);
            }
        }

        if (due is not null)
        {
            foreach (T item in due)
            {
                _onDue(item);
            }
        }
    }

    /// <summary>Arms the one timer for <paramref name="dueTicks"/>; under the lock.</summary>
    private void Arm(long dueTicks)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread, "Armed under the lock.");
        _armedFor = dueTicks;
        // Never zero: a fake clock fires a timer due now inside CreateTimer, and so inside this lock.
        TimeSpan wait = TimeSpan.FromTicks(Math.Max(1, dueTicks - _time.GetUtcNow().UtcTicks));
        if (wait > MaxTimerWait)
        {
            wait = MaxTimerWait;
        }

        if (_timer is null)
        {
            // Created once, without capturing the execution context of the put that first needed it.
            using (ExecutionContext.SuppressFlow())
            {
                _timer = _time.CreateTimer(static state => ((JobSchedule<T>)state!).OnTimer(), this, wait, Timeout.InfiniteTimeSpan);
            }
        }
        else
        {
            _timer.Change(wait, Timeout.InfiniteTimeSpan);
        }
    }
}
