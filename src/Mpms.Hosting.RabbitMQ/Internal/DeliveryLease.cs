using System.Buffers;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// A job this host took from the broker, leased to one of its processes: the lease ends once (an outcome, a hand-back,
/// a retry or a loss), and the dispatcher settles the delivery with the broker only after the outcome is confirmed.
/// </summary>
internal sealed class DeliveryLease : IJobLease
{
    private readonly DeliveryDispatcher _dispatcher;
    private int _ended;
    private volatile bool _started;
    private volatile bool _cancelRequested;

    public DeliveryLease(DeliveryDispatcher dispatcher, ulong deliveryTag, string jobId, long idHigh, long sequence, int attempt, byte priority, string replyTo, string? traceParent, byte[]? retryPolicy, byte[] payload, long deliveredAt)
    {
        _dispatcher = dispatcher;
        DeliveryTag = deliveryTag;
        JobId = jobId;
        IdHigh = idHigh;
        Sequence = sequence;
        Attempt = attempt;
        Priority = priority;
        ReplyTo = replyTo;
        TraceParent = traceParent;
        RetryPolicy = retryPolicy;
        Body = payload;
        TakenAt = deliveredAt;
    }

    public long Sequence { get; }

    public long IdHigh { get; }

    public string JobId { get; }

    public int Attempt { get; }

    public string? TraceParent { get; }

    /// <summary>Gets the job's own retry policy as it came (<see cref="RetryHeader"/>); every copy this host publishes again keeps it.</summary>
    public byte[]? RetryPolicy { get; }

    /// <summary>Gets the job's priority as it came: every copy this host publishes again keeps it.</summary>
    public byte Priority { get; }

    public ReadOnlyMemory<byte> Payload => Body;

    /// <summary>Gets the serialised job, as it came.</summary>
    public byte[] Body { get; }

    /// <summary>Gets the id of the host that put the job: where its outcome goes.</summary>
    public string ReplyTo { get; }

    /// <summary>Gets or sets the delivery to acknowledge; a delivery that came again on a recovered channel replaces it.</summary>
    public ulong DeliveryTag { get; set; }

    /// <summary>Gets or sets the lease queue that holds the job instead of the delivery, once it ran long (see <see cref="MpmsRabbitMqOptions.LongJobLeaseAfter"/>).</summary>
    public string? LeaseQueue { get; set; }

    /// <summary>Gets or sets when the delivery, or the lease's last renewal, was taken (the clock's timestamp).</summary>
    public long TakenAt { get; set; }

    /// <summary>Gets one settlement with the broker at a time: a renewal and the outcome never cross.</summary>
    public SemaphoreSlim Settling { get; } = new(1, 1);

    /// <summary>Gets or sets the process link that has the job.</summary>
    public ILeaseHolder? Holder { get; set; }

    public bool CancelRequested => _cancelRequested;

    public bool Started => _started;

    public bool IsEnded => Volatile.Read(ref _ended) != 0;

    /// <summary>Gets or sets a value indicating whether the broker confirmed what answers the job (its outcome, its next attempt, or the job handed back).</summary>
    public bool Answered { get; set; }

    public void MarkStarted() => _started = true;

    /// <summary>A caller canceled the job: the process that has it is told; a job still waiting here ends unstarted.</summary>
    public void RequestCancel()
    {
        _cancelRequested = true;
        Holder?.Cancel(this);
    }

    public void HandBack()
    {
        if (!IsEnded)
        {
            _started = false;
            Holder = null;
            _dispatcher.HandBack(this);
        }
    }

    public void Complete(in ResultFrame result, int processId, string? threadName)
    {
        if (!TryEnd())
        {
            return;
        }

        if (result.Status == WireStatus.Failed && _dispatcher.Retries.DelayBeforeNext(this, result.Error!) is TimeSpan delay)
        {
            _dispatcher.Settler.RetryAfterFailure(this, delay);
        }
        else
        {
            _dispatcher.Answer(this, OutcomeMessage.Result(JobId, result, processId, threadName));
        }
    }

    /// <summary>Sends the running job's latest progress to the host that put it, at most as often as the worker's throttle lets it through.</summary>
    public void ReportProgress(in ReadOnlySequence<byte> value)
    {
        if (!IsEnded)
        {
            _dispatcher.Settler.PublishProgress(this, value.ToArray());
        }
    }

    public void TimeOut(TimeSpan ranFor, string processName, int processId)
    {
        if (TryEnd())
        {
            _dispatcher.Answer(this, OutcomeMessage.TimedOut(JobId, ranFor, $"{_dispatcher.HostId}/{processName}", processId));
        }
    }

    public void Lose(WorkerLoss loss, LastSeenRunning? lastSeen = null)
    {
        if (!IsEnded)
        {
            _dispatcher.Lose(this, loss with { ProcessName = $"{_dispatcher.HostId}/{loss.ProcessName}" }, lastSeen);
        }
    }

    /// <summary>Takes the one right to end the lease.</summary>
    public bool TryEnd() => Interlocked.Exchange(ref _ended, 1) == 0;
}
