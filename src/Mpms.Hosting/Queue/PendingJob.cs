using Mpms.Hosting.Protocol;
using System.Buffers;

namespace Mpms.Hosting.Queue;

/// <summary>Where a job that is running can be asked to stop: the link to the process that has it.</summary>
internal interface IJobCanceller
{
    void CancelJob(long sequence);
}

/// <summary>
/// One accepted job, from the moment the queue takes it to its one outcome. It is also the handle the caller holds.
/// Its state only moves by compare-and-swap, so exactly one path (result, failure, timeout, loss or cancellation)
/// gets to complete it.
/// </summary>
internal sealed class PendingJob<TJob, TResult> : MpmsJobHandle<TResult>
{
    private const int StateQueued = 0;
    private const int StateSent = 1;
    private const int StateDone = 16; // done states are StateDone + the final MpmsJobStatus, set in one swap

    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MpmsPool<TJob, TResult> _pool;
    private byte[]? _payload;
    private string? _jobId;
    private int _state;
    private volatile bool _cancelRequested;
    private CancellationToken _cancelToken;

    public PendingJob(MpmsPool<TJob, TResult> pool, TJob job, long sequence, long idHigh, DateTimeOffset enqueuedAt, byte[] payload, int payloadLength)
    {
        _pool = pool;
        EnqueuedAt = enqueuedAt;
        Job = job;
        Sequence = sequence;
        IdHigh = idHigh;
        _payload = payload;
        PayloadLength = payloadLength;
    }

    public TJob Job { get; }

    public long Sequence { get; }

    public long IdHigh { get; }

    public int PayloadLength { get; }

    /// <summary>Gets the serialised job; valid until the job is done.</summary>
    public ReadOnlyMemory<byte> Payload => _payload.AsMemory(0, PayloadLength);

    public int Attempt { get; set; } = 1;

    /// <summary>Gets or sets a value indicating whether the worker process said a thread started the job (with prefetch).</summary>
    public bool StartedOnChild { get; set; }

    /// <summary>Gets or sets the link that has the job while it is sent.</summary>
    public IJobCanceller? Link { get; set; }

    public DateTimeOffset EnqueuedAt { get; }

    /// <summary>Gets or sets the W3C trace parent of the activity that put the job, so the worker's activity continues its trace.</summary>
    public string? TraceParent { get; set; }

    public bool CancelRequested => _cancelRequested;

    public override string JobId => _jobId ??= JobIds.Format(IdHigh, Sequence);

    public override MpmsJobStatus Status => Volatile.Read(ref _state) switch
    {
        StateQueued => MpmsJobStatus.Queued,
        StateSent => MpmsJobStatus.Running,
        int done => (MpmsJobStatus)(done - StateDone),
    };

    public override Task<TResult> Completion => _completion.Task;

    public bool IsDone => Volatile.Read(ref _state) >= StateDone;

    private int _holdsAdmission;

    /// <summary>Marks the job as holding a place in the queue's capacity (it was put, not requeued).</summary>
    public void HoldAdmission() => Volatile.Write(ref _holdsAdmission, 1);

    /// <summary>Gives up the job's place in the queue's capacity, once: when a link takes it, or when it is canceled while queued.</summary>
    public bool TryReleaseAdmission() => Interlocked.Exchange(ref _holdsAdmission, 0) == 1;

    /// <summary>Gets the token to report when the job ends canceled: the caller's, when the caller canceled it.</summary>
    public CancellationToken CancelToken => _cancelToken;

    public override void Cancel() => Cancel(CancellationToken.None);

    public void Cancel(CancellationToken token)
    {
        _cancelToken = token;
        _cancelRequested = true;
        _pool.Cancel(this);
    }

    /// <summary>Finishes a job that is still queued, for a cancellation.</summary>
    public bool TryMarkCanceledWhileQueued()
    {
        return Interlocked.CompareExchange(ref _state, StateDone + (int)MpmsJobStatus.Canceled, StateQueued) == StateQueued;
    }

    /// <summary>Moves the job from the queue to a link; fails when it was finished (canceled) while queued.</summary>
    public bool TryMarkSent() => Interlocked.CompareExchange(ref _state, StateSent, StateQueued) == StateQueued;

    /// <summary>Moves the job back from a link to the queue (handed back unstarted, or retried).</summary>
    public bool TryMarkRequeued()
    {
        Link = null;
        StartedOnChild = false;
        return Interlocked.CompareExchange(ref _state, StateQueued, StateSent) == StateSent;
    }

    /// <summary>Takes the one right to complete the job.</summary>
    /// <param name="status">The outcome.</param>
    /// <param name="wasSent">Whether the job was with a link when it finished.</param>
    public bool TryMarkDone(MpmsJobStatus status, out bool wasSent)
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if (state >= StateDone)
            {
                wasSent = false;
                return false;
            }

            if (Interlocked.CompareExchange(ref _state, StateDone + (int)status, state) == state)
            {
                wasSent = state == StateSent;
                return true;
            }
        }
    }

    /// <summary>Completes the caller's task; only after <see cref="TryMarkDone"/> returned true.</summary>
    public void Complete(TResult? value, Exception? exception)
    {
        ReleasePayload();
        if (exception is OperationCanceledException canceled)
        {
            _completion.TrySetCanceled(canceled.CancellationToken);
        }
        else if (exception is not null)
        {
            _completion.TrySetException(exception);
        }
        else
        {
            _completion.TrySetResult(value!);
        }
    }

    private void ReleasePayload()
    {
        byte[]? payload = Interlocked.Exchange(ref _payload, null);
        if (payload is not null)
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }
}
