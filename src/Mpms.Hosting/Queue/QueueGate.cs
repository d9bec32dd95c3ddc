using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Admission to one pool's queue: its life stage (not started, running, completing, stopped), whether it has failed,
/// and its capacity. A put takes a place (<see cref="Places"/>) and gets its sequence number here; the place is given back when a link leases
/// the job (or it is canceled while it waits), so <see cref="MpmsOptions.QueueCapacity"/> bounds the jobs waiting.
/// </summary>
internal sealed class QueueGate : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string _poolName;
    private readonly CancellationTokenSource _closing = new();

    // Written under _lock, read without it: the stage only moves forward. _accepted (under _lock) counts every job given a
    // sequence number, and is final once the stage is past Running.
    private volatile MpmsPoolState _state = MpmsPoolState.NotStarted;
    private long _accepted;
    private volatile string? _failure;

    // Added to every sequence number: a broker that carries jobs of several hosts starts each host at a random offset, so
    // that jobs from different hosts do not share a sequence number on the link that runs them.
    private long _sequenceOffset;

    public QueueGate(string poolName, int capacity, TimeProvider? time = null, int scheduledCapacity = 10_000)
    {
        _poolName = poolName;
        Places = new QueuePlaces(capacity, scheduledCapacity, time ?? TimeProvider.System);
    }

    public MpmsPoolState State => _state;

    /// <summary>Gets the queue's places, which a put takes before it is admitted.</summary>
    public QueuePlaces Places { get; }

    /// <summary>Gets why the pool has failed, or <see langword="null"/> while it has not.</summary>
    public string? Failure => _failure;

    /// <summary>Raised after puts were admitted (outside the lock, on the putting thread): tests wait on it instead of re-reading <see cref="Accepted"/>.</summary>
    internal event Action? Admitted;

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

    /// <summary>Waits for a place; fails as a refused put if the queue closes meanwhile.</summary>
    public ValueTask TakePlaceAsync(CancellationToken cancellationToken) => TakePlaceAsync(PlaceKind.Queue, cancellationToken);

    /// <summary>Waits for a place of the given kind; fails as a refused put if the queue closes meanwhile.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask TakePlaceAsync(PlaceKind kind, CancellationToken cancellationToken)
    {
        try
        {
            // A fast producer waits here on nearly every put: no linked source when only the closing can end the wait.
            if (!cancellationToken.CanBeCanceled)
            {
                await Places.WaitAsync(kind, _closing.Token).ConfigureAwait(false);
                return;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
            await Places.WaitAsync(kind, wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ThrowNotAccepting(State);
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
        long sequence = 0;
        bool admitted = false;
        lock (_lock)
        {
            if (_state == MpmsPoolState.Running && _failure is null)
            {
                _accepted++;
                Debug.Assert(_accepted > 0, "Sequence numbers never wrap.");
                sequence = _sequenceOffset + _accepted;
                admitted = true;
            }
        }

        if (admitted)
        {
            Admitted?.Invoke();
            return sequence;
        }

        Places.Release(place);
        ThrowNotAccepting(State);
        return 0;
    }

    /// <summary>
    /// Admits a burst of <paramref name="count"/> puts under one lock: returns the first of their consecutive sequence
    /// numbers, or releases the places they hold (of <paramref name="place"/>'s kind) and throws.
    /// </summary>
    public long AdmitMany(PlaceKind place, int count)
    {
        long first = 0;
        bool admitted = false;
        lock (_lock)
        {
            if (_state == MpmsPoolState.Running && _failure is null)
            {
                first = _sequenceOffset + _accepted + 1;
                _accepted += count;
                admitted = true;
            }
        }

        if (admitted)
        {
            Admitted?.Invoke();
            return first;
        }

        Places.Release(place, count);
        ThrowNotAccepting(State);
        return 0;
    }

    public void Dispose()
    {
        Places.Dispose();
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
