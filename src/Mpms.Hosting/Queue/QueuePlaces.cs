namespace Mpms.Hosting.Queue;

/// <summary>
/// The places of one pool's queue: <see cref="MpmsOptions.QueueCapacity"/> for jobs that may run now, and
/// <see cref="MpmsOptions.ScheduledCapacity"/> for jobs that wait for their time, so that a schedule for tomorrow never
/// takes today's places. A put takes a place of its kind; the place is given back when a link leases the job, or when it
/// ends without running. Whether a put may wait for one, and what it is told when it may not, is the gate's
/// (<see cref="QueueGate"/>).
/// </summary>
internal sealed class QueuePlaces : IDisposable
{
    private readonly SemaphoreSlim _places;
    private readonly SemaphoreSlim _scheduled;
    private readonly TimeProvider _time;

    // The clock's timestamp of the last put that found no place, written only on that slow path so that a put that finds
    // one costs nothing more; _everFull (0 or 1) says whether there has been one.
    private long _lastFullAt;
    private int _everFull;

    // Set once, when the pool is composed: see LookForStartedJobs.
    private Action? _lookForStartedJobs;

    public QueuePlaces(int capacity, int scheduledCapacity, TimeProvider time)
    {
        _places = new SemaphoreSlim(capacity, capacity);
        _scheduled = new SemaphoreSlim(scheduledCapacity, scheduledCapacity);
        _time = time;
        Capacity = capacity;
    }

    /// <summary>Gets how many places the queue has for jobs that may run now.</summary>
    public int Capacity { get; }

    /// <summary>
    /// Gets how long ago a put last found the queue full: zero while no place is free now, <see langword="null"/> if no
    /// put ever found it full.
    /// </summary>
    public TimeSpan? TimeSinceFull
    {
        get
        {
            if (_places.CurrentCount == 0)
            {
                return TimeSpan.Zero;
            }

            return Volatile.Read(ref _everFull) == 0 ? null : _time.GetElapsedTime(Interlocked.Read(ref _lastFullAt));
        }
    }

    /// <summary>
    /// Gets or sets what finds the jobs held ahead that started since the application last looked (the supervisor reads
    /// its processes' start marks, which costs no system call): each frees its place. A put that finds the queue full
    /// looks once before it refuses or waits, so that a start the worker recorded without a word is not a place lost.
    /// </summary>
    public Action? LookForStartedJobs
    {
        get => Volatile.Read(ref _lookForStartedJobs);
        set => Volatile.Write(ref _lookForStartedJobs, value);
    }

    /// <summary>Takes a place if one is free now; when none is, notes that the queue was full.</summary>
    public bool TryTake()
    {
        if (_places.Wait(0, CancellationToken.None) || TakeFreedPlace())
        {
            return true;
        }

        NoteFull();
        return false;
    }

    /// <summary>Takes a place of the given kind if one is free now.</summary>
    public bool TryTake(PlaceKind kind) => kind == PlaceKind.Schedule ? _scheduled.Wait(0, CancellationToken.None) : TryTake();

    /// <summary>
    /// Takes up to <paramref name="wanted"/> places of the given kind that are free now, for a burst of jobs put in one
    /// call; returns how many it took (all of them for <see cref="PlaceKind.None"/>).
    /// </summary>
    public int TryTakeMany(PlaceKind kind, int wanted)
    {
        if (kind == PlaceKind.None)
        {
            return wanted;
        }

        // SemaphoreSlim takes one at a time; the burst still pays one sequence lock and one wake-up of the links.
        SemaphoreSlim places = Of(kind);
        int taken = 0;
        while (taken < wanted && places.Wait(0, CancellationToken.None))
        {
            taken++;
        }

        if (taken < wanted && kind == PlaceKind.Queue)
        {
            NoteFull();
        }

        return taken;
    }

    /// <summary>Waits for a place of the given kind (not <see cref="PlaceKind.None"/>) until <paramref name="cancellationToken"/> is canceled.</summary>
    public Task WaitAsync(PlaceKind kind, CancellationToken cancellationToken) => Of(kind).WaitAsync(cancellationToken);

    /// <summary>Gives back a place of the given kind (nothing for <see cref="PlaceKind.None"/>).</summary>
    public void Release(PlaceKind kind) => Release(kind, 1);

    /// <summary>Gives back <paramref name="count"/> places of the given kind at once.</summary>
    public void Release(PlaceKind kind, int count)
    {
        if (count > 0 && kind != PlaceKind.None)
        {
            Of(kind).Release(count);
        }
    }

    public void Dispose()
    {
        _places.Dispose();
        _scheduled.Dispose();
    }

    private SemaphoreSlim Of(PlaceKind kind) => kind == PlaceKind.Schedule ? _scheduled : _places;

    private void NoteFull()
    {
        Interlocked.Exchange(ref _lastFullAt, _time.GetTimestamp());
        Volatile.Write(ref _everFull, 1);
    }

    /// <summary>Takes a place that a job seen started just now freed, if any.</summary>
    private bool TakeFreedPlace()
    {
        if (LookForStartedJobs is not { } look)
        {
            return false;
        }

        look();
        return _places.Wait(0, CancellationToken.None);
    }
}
