using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Admission to one pool's queue: its life stage (not started, running, completing, stopped), whether it has failed,
/// and its capacity. A put takes a place here and gets its sequence number; the place is given back when a link leases
/// the job (or it is canceled while it waits), so <see cref="MpmsOptions.QueueCapacity"/> bounds the jobs waiting.
/// </summary>
internal sealed class QueueGate : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string _poolName;
    private readonly SemaphoreSlim _places;

    // A job put with a delay waits in a bound of its own: a schedule for tomorrow must not take today's places.
    private readonly SemaphoreSlim _scheduledPlaces;
    private readonly CancellationTokenSource _closing = new();
    private readonly TimeProvider _time;

    // The clock's timestamp of the last put that found no place, written only on that slow path so that a put that finds
    // one costs nothing more; _everFull (0 or 1) says whether there has been one.
    private long _lastFullAt;
    private int _everFull;

    // Written under _lock, read without it: the stage only moves forward. _accepted (under _lock) counts every job given a
    // sequence number, and is final once the stage is past Running.
    private volatile MpmsPoolState _state = MpmsPoolState.NotStarted;
    private long _accepted;
    private volatile string? _failure;

    // Added to every sequence number: a broker that carries jobs of several hosts starts each host at a random offset, so
    // that jobs from different hosts do not share a sequence number on the link that runs them.
    private long _sequenceOffset;

    // Set once, when the pool is composed: see LookForStartedJobs.
    private Action? _lookForStartedJobs;

    public QueueGate(string poolName, int capacity, TimeProvider? time = null, int scheduledCapacity = 10_000)
    {
        _poolName = poolName;
        _places = new SemaphoreSlim(capacity, capacity);
        _scheduledPlaces = new SemaphoreSlim(scheduledCapacity, scheduledCapacity);
        _time = time ?? TimeProvider.System;
        Capacity = capacity;
    }

    public MpmsPoolState State => _state;

    /// <summary>Gets how many places the queue has.</summary>
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

    /// <summary>Gets why the pool has failed, or <see langword="null"/> while it has not.</summary>
    public string? Failure => _failure;

    /// <summary>Gets the number of jobs accepted so far.</summary>
    public long Accepted
    {
        get
        {
            lock (_lock)
            {
                return _accepted;
            }
        }
    }

    /// <summary>Opens the queue; a pool starts once.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_state != MpmsPoolState.NotStarted)
            {
                throw new InvalidOperationException($"Pool '{_poolName}' has already been started; a pool starts once.");
            }

            _state = MpmsPoolState.Running;
        }
    }

    /// <summary>Accepts no more puts; puts waiting for a place fail. Returns false when the queue was not running.</summary>
    public bool Complete()
    {
        bool completed;
        lock (_lock)
        {
            completed = _state == MpmsPoolState.Running;
            if (completed)
            {
                _state = MpmsPoolState.Completing;
            }
        }

        _closing.Cancel();
        return completed;
    }

    /// <summary>Marks the queue stopped for good.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _state = MpmsPoolState.Stopped;
        }

        _closing.Cancel();
    }

    public void Fail(string reason) => _failure = reason;

    /// <summary>Accepts puts again after a failure; returns whether the pool had failed.</summary>
    public bool Recover() => Interlocked.Exchange(ref _failure, null) is not null;

    /// <summary>Tells whether every accepted job is known and no more will come, and how many there are.</summary>
    public bool IsClosed(out long accepted)
    {
        // Asked once per outcome while the pool runs: one volatile read, no lock.
        if (_state is MpmsPoolState.NotStarted or MpmsPoolState.Running)
        {
            accepted = 0;
            return false;
        }

        lock (_lock)
        {
            accepted = _accepted;
            return true;
        }
    }

    /// <summary>Throws why a put is refused, if it is.</summary>
    public void ThrowIfNotAccepting()
    {
        MpmsPoolState state = State;
        if (state != MpmsPoolState.Running || _failure is not null)
        {
            ThrowNotAccepting(state);
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
    public bool TryTakePlace()
    {
        if (_places.Wait(0, CancellationToken.None) || TakeFreedPlace())
        {
            return true;
        }

        Interlocked.Exchange(ref _lastFullAt, _time.GetTimestamp());
        Volatile.Write(ref _everFull, 1);
        return false;
    }

    /// <summary>Takes a place of the given kind if one is free now.</summary>
    public bool TryTakePlace(PlaceKind kind) => kind == PlaceKind.Schedule ? _scheduledPlaces.Wait(0, CancellationToken.None) : TryTakePlace();

    /// <summary>
    /// Takes up to <paramref name="wanted"/> places of the given kind that are free now, for a burst of jobs put in one
    /// call; returns how many it took (all of them for <see cref="PlaceKind.None"/>).
    /// </summary>
    public int TryTakePlaces(PlaceKind kind, int wanted)
    {
        if (kind == PlaceKind.None)
        {
            return wanted;
        }

        // SemaphoreSlim takes one at a time; the burst still pays one sequence lock and one wake-up of the links.
        SemaphoreSlim places = kind == PlaceKind.Schedule ? _scheduledPlaces : _places;
        int taken = 0;
        while (taken < wanted && places.Wait(0, CancellationToken.None))
        {
            taken++;
        }

        if (taken < wanted && kind == PlaceKind.Queue)
        {
            Interlocked.Exchange(ref _lastFullAt, _time.GetTimestamp());
            Volatile.Write(ref _everFull, 1);
        }

        return taken;
    }

    /// <summary>Waits for a place; fails as a refused put if the queue closes meanwhile.</summary>
    public ValueTask TakePlaceAsync(CancellationToken cancellationToken) => TakePlaceAsync(PlaceKind.Queue, cancellationToken);

    /// <summary>Waits for a place of the given kind; fails as a refused put if the queue closes meanwhile.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask TakePlaceAsync(PlaceKind kind, CancellationToken cancellationToken)
    {
        try
        {
            // A fast producer waits here on nearly every put: no linked source when only the closing can end the wait.
            SemaphoreSlim places = kind == PlaceKind.Schedule ? _scheduledPlaces : _places;
            if (!cancellationToken.CanBeCanceled)
            {
                await places.WaitAsync(_closing.Token).ConfigureAwait(false);
                return;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
            await places.WaitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ThrowNotAccepting(State);
        }
    }

    public void ReleasePlace() => _places.Release();

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

    /// <summary>Gives back a place of the given kind.</summary>
    public void ReleasePlace(PlaceKind kind)
    {
        if (kind == PlaceKind.Queue)
        {
            _places.Release();
        }
        else if (kind == PlaceKind.Schedule)
        {
            _scheduledPlaces.Release();
        }
    }

    /// <summary>Gives back <paramref name="count"/> places of the given kind at once.</summary>
    public void ReleasePlaces(PlaceKind kind, int count)
    {
        if (count <= 0)
        {
            return;
        }

        if (kind == PlaceKind.Queue)
        {
            _places.Release(count);
        }
        else if (kind == PlaceKind.Schedule)
        {
            _scheduledPlaces.Release(count);
        }
    }

    /// <summary>Makes sequence numbers start after <paramref name="offset"/>; only before the gate starts.</summary>
    public void OffsetSequences(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        lock (_lock)
        {
            if (_state != MpmsPoolState.NotStarted)
            {
                throw new InvalidOperationException("Sequence numbers can only be offset before the queue starts.");
            }

            _sequenceOffset = offset;
        }
    }

    /// <summary>Admits a put: gives it its sequence number, or releases the place it holds (if it holds one) and throws.</summary>
    public long Admit(bool holdsPlace = true) => Admit(holdsPlace ? PlaceKind.Queue : PlaceKind.None);

    /// <summary>Admits a put: gives it its sequence number, or releases the place it holds (of <paramref name="place"/>'s kind) and throws.</summary>
    public long Admit(PlaceKind place)
    {
        lock (_lock)
        {
            if (_state == MpmsPoolState.Running && _failure is null)
            {
                _accepted++;
                Debug.Assert(_accepted > 0, "Sequence numbers never wrap.");
                return _sequenceOffset + _accepted;
            }
        }

        ReleasePlace(place);

        ThrowNotAccepting(State);
        return 0;
    }

    /// <summary>
    /// Admits a burst of <paramref name="count"/> puts under one lock: returns the first of their consecutive sequence
    /// numbers, or releases the places they hold (of <paramref name="place"/>'s kind) and throws.
    /// </summary>
    public long AdmitMany(PlaceKind place, int count)
    {
        lock (_lock)
        {
            if (_state == MpmsPoolState.Running && _failure is null)
            {
                long first = _sequenceOffset + _accepted + 1;
                _accepted += count;
                return first;
            }
        }

        ReleasePlaces(place, count);
        ThrowNotAccepting(State);
        return 0;
    }

    public void Dispose()
    {
        _places.Dispose();
        _scheduledPlaces.Dispose();
        _closing.Dispose();
    }

    [DoesNotReturn]
    private void ThrowNotAccepting(MpmsPoolState state)
    {
        if (state == MpmsPoolState.Running && _failure is { } failure)
        {
            throw new MpmsPoolFailedException(failure);
        }

        throw state switch
        {
            MpmsPoolState.NotStarted => new InvalidOperationException($"Pool '{_poolName}' has not started: start the host before putting jobs on its queue."),
            MpmsPoolState.Stopped => new MpmsQueueCompletedException($"Pool '{_poolName}' has stopped: it accepts no more jobs."),
            _ => new MpmsQueueCompletedException($"Pool '{_poolName}' is completed: it accepts no more jobs after Complete() or once the host is stopping."),
        };
    }
}
