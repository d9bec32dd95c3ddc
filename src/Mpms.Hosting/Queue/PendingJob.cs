using System.Buffers;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Queue;

/// <summary>
/// One accepted job, from its put to its one outcome: the handle the caller holds, the entry the queue keeps, and the
/// lease a link holds while a worker process has it. Its state only moves by compare-and-swap (queued → leased → done,
/// or back to queued), so exactly one path — result, failure, timeout, loss or cancellation — completes it.
/// </summary>
internal sealed class PendingJob<TJob, TResult> : MpmsJobHandle<TResult>, IJobLease
{
    private const int StateQueued = 0;
    private const int StateLeased = 1;
    private const int StateDone = 16; // done states are StateDone + the final MpmsJobStatus, set in one swap

    // Made on first use: a job whose outcome is only read by a collector or a bulk call never needs a task. Null until
    // someone asks for the task or the job is resolved; then the task's source, or, resolved before anyone asked, the
    // outcome's MpmsResult (which holds the value or exception a task made later completes with).
    private object? _completion;
    private readonly JobQueue<TJob, TResult> _queue;
    private byte[]? _payload;
    private string? _jobId;
    private JobProgress? _progress; // made on the first progress value or the first reader
    private int _state;
    private int _place;
    private volatile bool _cancelRequested;
    private volatile bool _started;
    private CancellationToken _cancelToken;

    // UTC ticks rather than DateTimeOffset: 16 bytes less per job, and the queue's clock is UTC.
    private readonly long _enqueuedAtTicks;
    private long _readyAtTicks;
    private readonly byte _priority;

    public PendingJob(JobQueue<TJob, TResult> queue, TJob job, long sequence, long idHigh, DateTimeOffset enqueuedAt, byte[] payload, int payloadLength, bool holdsPlace = true)
        : this(queue, job, sequence, idHigh, enqueuedAt, payload, payloadLength, holdsPlace ? PlaceKind.Queue : PlaceKind.None, options: null)
    {
    }

    public PendingJob(JobQueue<TJob, TResult> queue, TJob job, long sequence, long idHigh, DateTimeOffset enqueuedAt, byte[]? payload, int payloadLength, PlaceKind place, MpmsPutOptions? options)
    {
        _queue = queue;
        Job = job;
        Sequence = sequence;
        IdHigh = idHigh;
        _enqueuedAtTicks = enqueuedAt.UtcTicks;
        _payload = payload;
        PayloadLength = payloadLength;
        _place = (int)place;
        _readyAtTicks = _enqueuedAtTicks;
        _priority = (byte)(options?.Priority ?? 0); // taken at the put: options changed later do not move the job
        PutOptions = options;
    }

    public TJob Job { get; }

    public long Sequence { get; }

    public long IdHigh { get; }

    public int PayloadLength { get; }

    public ReadOnlyMemory<byte> Payload => _payload.AsMemory(0, PayloadLength);

    public int Attempt { get; set; } = 1;

    public DateTimeOffset EnqueuedAt => new(_enqueuedAtTicks, TimeSpan.Zero);

    /// <summary>Gets or sets when the job became ready to run: when it was accepted, or when its delay or retry wait ended.</summary>
    public DateTimeOffset ReadyAt
    {
        get => new(_readyAtTicks, TimeSpan.Zero);
        set => _readyAtTicks = value.UtcTicks;
    }

    /// <summary>Gets the options the job was put with; <see langword="null"/> for a put without them.</summary>
    public MpmsPutOptions? PutOptions { get; }

    /// <summary>Gets the job's priority, 0 to 9.</summary>
    public int Priority => _priority;

    public string? TraceParent { get; set; }

    /// <summary>Gets or sets the link that holds the job while it is leased.</summary>
    public ILeaseHolder? Holder { get; set; }

    public bool CancelRequested => _cancelRequested;

    public bool Started => _started;

    /// <summary>Gets the token to report when the job ends canceled: the caller's, when the caller canceled it.</summary>
    public CancellationToken CancelToken => _cancelToken;

    internal override int CurrentAttempt => Attempt;

    internal override DateTimeOffset AcceptedAt => EnqueuedAt;

    public override string JobId => _jobId ??= JobIds.Format(IdHigh, Sequence);

    public override MpmsJobStatus Status => Volatile.Read(ref _state) switch
    {
        StateQueued => MpmsJobStatus.Queued,
        StateLeased => MpmsJobStatus.Running,
        int done => (MpmsJobStatus)(done - StateDone),
    };

    public override Task<TResult> Completion
    {
        get
        {
            object? seen = Volatile.Read(ref _completion);
            if (seen is TaskCompletionSource<TResult> existing)
            {
                return existing.Task;
            }

            var made = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (seen is null)
            {
                seen = Interlocked.CompareExchange(ref _completion, made, null);
                if (seen is null)
                {
                    return made.Task; // Resolve will complete it
                }

                if (seen is TaskCompletionSource<TResult> raced)
                {
                    return raced.Task;
                }
            }

            // Resolved before anyone asked: the task is made completed, and kept for whoever asks next.
            var result = (MpmsResult<TJob, TResult>)seen!;
            SetOutcome(made, result.Value, result.Exception);
            seen = Interlocked.CompareExchange(ref _completion, made, result);
            return seen is TaskCompletionSource<TResult> first ? first.Task : made.Task;
        }
    }

    /// <summary>Gets or sets the bulk call the job was put by, which its outcome goes to; <see langword="null"/> for a single put.</summary>
    public BulkRun<TJob, TResult>? Run { get; set; }

    /// <summary>Gets or sets the job's slot in <see cref="Run"/>'s window.</summary>
    public int RunSlot { get; set; }

    /// <summary>Gets the job's progress, made on first use; ended at once when the job has ended.</summary>
    public JobProgress ProgressState
    {
        get
        {
            if (Volatile.Read(ref _progress) is { } existing)
            {
                return existing;
            }

            var made = new JobProgress(JobId, _queue.Serializer);
            JobProgress progress = Interlocked.CompareExchange(ref _progress, made, null) ?? made;

            // Resolve ends the progress it finds after completing the job; one made after it must end here.
            if (IsResolved)
            {
                progress.End();
            }

            return progress;
        }
    }

    /// <summary>Gets a value indicating whether the job's progress was made: a value came, or someone asked to read it.</summary>
    public bool HasProgressState => Volatile.Read(ref _progress) is not null;

    private protected override JobProgress Progress => ProgressState;

    public bool IsDone => Volatile.Read(ref _state) >= StateDone;

    public override void Cancel() => Cancel(CancellationToken.None);

    public void Cancel(CancellationToken token)
    {
        _cancelToken = token;
        _cancelRequested = true;
        _queue.Cancel(this);
    }

    // The lease's ways to end, as the links see them; the queue decides what each means.
    public void MarkStarted()
    {
        _started = true;
        _queue.OnStarted(this);
    }

    public void HandBack() => _queue.Requeue(this, newAttempt: false);

    public void Complete(in ResultFrame result, int processId, string? threadName) => _queue.Complete(this, result, processId, threadName);

    public void TimeOut(TimeSpan ranFor, string processName, int processId) => _queue.TimeOut(this, ranFor, processName, processId);

    public void Lose(WorkerLoss loss, LastSeenRunning? lastSeen = null) => _queue.Lose(this, loss, lastSeen);

    public void ReportProgress(in ReadOnlySequence<byte> value) => _queue.OnProgress(this, value);

    private protected override void OnProgressFailed(Exception exception) => _queue.OnProgressFailed(this, exception);

    /// <summary>Gives up the job's place in the queue's capacity, once: as it leaves the waiting line, or as its outcome is buffered for a consumer.</summary>
    /// <returns>The kind of place it held, or <see cref="PlaceKind.None"/> when it holds none (any more).</returns>
    public PlaceKind TryReleasePlace() => (PlaceKind)Interlocked.Exchange(ref _place, 0);

    /// <summary>Moves the job from the queue to a link; fails when it was finished (canceled) while queued.</summary>
    public bool TryMarkLeased() => Interlocked.CompareExchange(ref _state, StateLeased, StateQueued) == StateQueued;

    /// <summary>Moves the job back from a link to the queue; fails when it already has its outcome.</summary>
    public bool TryMarkRequeued()
    {
        Holder = null;
        _started = false;
        return Interlocked.CompareExchange(ref _state, StateQueued, StateLeased) == StateLeased;
    }

    /// <summary>Finishes a job that is still queued, for a cancellation.</summary>
    public bool TryMarkCanceledWhileQueued() =>
        Interlocked.CompareExchange(ref _state, StateDone + (int)MpmsJobStatus.Canceled, StateQueued) == StateQueued;

    /// <summary>Takes the one right to complete the job.</summary>
    /// <param name="status">The outcome.</param>
    /// <param name="wasLeased">Whether a link held the job when it finished.</param>
    public bool TryMarkDone(MpmsJobStatus status, out bool wasLeased)
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if (state >= StateDone)
            {
                wasLeased = false;
                return false;
            }

            if (Interlocked.CompareExchange(ref _state, StateDone + (int)status, state) == state)
            {
                wasLeased = state == StateLeased;
                return true;
            }
        }
    }

    /// <summary>Completes the caller's task; only after <see cref="TryMarkDone"/> or <see cref="TryMarkCanceledWhileQueued"/> returned true.</summary>
    public void Resolve(TResult? value, Exception? exception, MpmsResult<TJob, TResult>? result = null)
    {
        ReleasePayload();
        object resolved = result ?? (object)Completed(value, exception);
        object? seen = Interlocked.CompareExchange(ref _completion, resolved, null);
        if (seen is TaskCompletionSource<TResult> completion)
        {
            SetOutcome(completion, value, exception);
        }

        Volatile.Read(ref _progress)?.End();
    }

    // Resolved, or someone's task completed: either way the outcome is final.
    private bool IsResolved => Volatile.Read(ref _completion) switch
    {
        null => false,
        TaskCompletionSource<TResult> completion => completion.Task.IsCompleted,
        _ => true,
    };

    private static TaskCompletionSource<TResult> Completed(TResult? value, Exception? exception)
    {
        var completion = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        SetOutcome(completion, value, exception);
        return completion;
    }

    private static void SetOutcome(TaskCompletionSource<TResult> completion, TResult? value, Exception? exception)
    {
        if (exception is OperationCanceledException canceled)
        {
            completion.TrySetCanceled(canceled.CancellationToken);
        }
        else if (exception is not null)
        {
            completion.TrySetException(exception);
        }
        else
        {
            completion.TrySetResult(value!);
        }
    }

    private void ReleasePayload()
    {
        byte[]? payload = Interlocked.Exchange(ref _payload, null);
        if (payload is not null)
        {
            JobSerializer<TJob>.Return(payload);
        }
    }
}
