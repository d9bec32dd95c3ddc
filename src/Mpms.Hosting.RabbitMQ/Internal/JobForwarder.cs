using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Queue;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// The putting side of one host: publishes every job this host accepts to the pool's job queue (persistent, confirmed)
/// and holds its lease until the outcome comes back to this host's reply queue; the first outcome of a job completes it,
/// a second one is dropped and logged. A cancel is told to every host.
/// </summary>
internal sealed class JobForwarder<TJob, TResult> : IJobForwarder
{
    private readonly ConcurrentDictionary<string, PendingJob<TJob, TResult>> _out = new(StringComparer.Ordinal);

    // Jobs put here that threw and wait on the broker for their next attempt, as the host that ran them told: the
    // attempt names the delay queue a cancel deletes. A notice lost on the way leaves a cancel to the hosts instead.
    private readonly ConcurrentDictionary<string, RetryWait> _retryWaits = new(StringComparer.Ordinal);
    private readonly string _poolName;
    private readonly JobQueue<TJob, TResult> _jobs;
    private readonly Topology _topology;
    private readonly MpmsRabbitMqOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private BrokerConnection? _connection;
    private IChannel? _replies;
    private IChannel? _declares;

    public JobForwarder(string poolName, JobQueue<TJob, TResult> jobs, Topology topology, MpmsRabbitMqOptions options, TimeProvider time, ILogger logger)
    {
        _poolName = poolName;
        _jobs = jobs;
        _topology = topology;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Gets the longest delay a delay queue takes: the broker reads its expiry (delay and a minute) as 32-bit milliseconds.</summary>
    public TimeSpan MaxDelay { get; } = TimeSpan.FromMilliseconds(int.MaxValue - Topology.DelayQueueGrace);

    /// <summary>Gets a value indicating whether the job queue orders by priority: classic queues do, quorum queues (RabbitMQ 3.x) do not.</summary>
    public bool CarriesPriority => _topology.HasPriorities;

    /// <summary>Gets how many jobs put here wait for their outcome.</summary>
    public int Outstanding => _out.Count;

    /// <summary>Starts taking outcomes from this host's reply queue.</summary>
    public async Task StartAsync(BrokerConnection connection, CancellationToken cancellationToken)
    {
        _connection = connection;
        _replies = await connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
        _declares = await connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(_replies);
        consumer.ReceivedAsync += OnOutcomeAsync;

        // Taken with auto-ack: an outcome reaches a live host's memory at once; if the host dies, so do its callers.
        await _replies.BasicConsumeAsync(_topology.HostQueue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask ForwardAsync(IJobLease job, CancellationToken cancellationToken)
    {
        var pending = (PendingJob<TJob, TResult>)job;
        try
        {
            await PublishAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // The broker may have the job already: the hosts are told, so that it does not run for nobody.
            End(pending, Outcome<TResult>.Canceled("The put was canceled before the broker confirmed the job.", cancellationToken));
            Cancel(pending);
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            string message = $"Pool '{_poolName}' could not put job {pending.JobId} on RabbitMQ at {_connection?.Endpoint}: {ex.Message}";
            End(pending, Outcome<TResult>.PoolFailed(message));
            throw new MpmsException(message, ex);
        }
    }

    public void Forward(IJobLease job) => _ = ForwardInBackgroundAsync(job);

    public void Cancel(IJobLease lease)
    {
        if (_connection is { } connection)
        {
            DateTimeOffset now = _time.GetUtcNow();
            _ = lease switch
            {
                PendingJob<TJob, TResult> job when job.ReadyAt > now => CancelDelayedAsync(connection, job, _topology.DelayQueue(job.JobId, 1), "for its time; it never ran"),
                PendingJob<TJob, TResult> job when _retryWaits.TryGetValue(job.JobId, out RetryWait? wait) && wait.ReadyAt > now => CancelDelayedAsync(connection, job, _topology.DelayQueue(job.JobId, wait.Attempt), $"for attempt {wait.Attempt}, which never ran"),
                _ => TellCancelAsync(connection, lease.JobId),
            };
        }
    }

    /// <summary>
    /// The pool begins to stop: jobs put here that wait on the broker for their time could outwait any shutdown, so
    /// their handles end now as canceled; the jobs stay on the broker and run at their time on whichever host is there.
    /// </summary>
    public void EndDelayed()
    {
        DateTimeOffset now = _time.GetUtcNow();
        foreach (PendingJob<TJob, TResult> job in _out.Values)
        {
            DateTimeOffset due = _retryWaits.TryGetValue(job.JobId, out RetryWait? wait) && wait.ReadyAt > job.ReadyAt ? wait.ReadyAt : job.ReadyAt;
            if (due > now)
            {
                End(job, Outcome<TResult>.Canceled($"The host stopped while the job waited on RabbitMQ for its time ({due:O}, a delay or a retry); it still runs then, and its outcome goes to {_topology.OrphanedOutcomes}."));
            }
        }
    }

    /// <summary>The pool stopped: jobs put here that have no outcome yet end as canceled; their outcomes, if they come, go to the orphaned queue.</summary>
    public void EndUnanswered()
    {
        int count = 0;
        foreach (string jobId in _out.Keys)
        {
            if (_out.TryRemove(jobId, out PendingJob<TJob, TResult>? job))
            {
                count++;
                _jobs.Finish(job, Outcome<TResult>.Canceled($"The host stopped before the job's outcome came back from RabbitMQ; it will go to {_topology.OrphanedOutcomes}."));
            }
        }

        if (count > 0)
        {
            RabbitMqLog.StoppedWithoutOutcomes(_logger, _poolName, count, _topology.OrphanedOutcomes);
        }
    }

    public async ValueTask StopAsync()
    {
        foreach (IChannel? channel in (IChannel?[])[_replies, _declares])
        {
            if (channel is not null)
            {
                await channel.CloseAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                channel.Dispose();
            }
        }
    }

    private async Task PublishAsync(PendingJob<TJob, TResult> job, CancellationToken cancellationToken)
    {
        BrokerConnection connection = _connection ?? throw new InvalidOperationException("The broker is not connected yet.");

        // Registered first: the outcome may come back before the confirm does.
        _out[job.JobId] = job;
        var properties = new BasicProperties
        {
            Persistent = true,
            MessageId = job.JobId,
            ReplyTo = _topology.HostId,
            Priority = (byte)job.Priority,
            Headers = new Dictionary<string, object?>
            {
                [Headers.IdHigh] = job.IdHigh,
                [Headers.Sequence] = job.Sequence,
                [Headers.Attempt] = job.Attempt,
            },
        };
        if (job.TraceParent is { } traceParent)
        {
            properties.Headers[Headers.TraceParent] = traceParent;
        }

        if (job.PutOptions?.Retry is { } retry)
        {
            // The host that runs the job decides its retries, with the job's own policy when it has one.
            properties.Headers[Headers.Retry] = RetryHeader.Write(retry);
        }

        // A job that waits for its time waits on the broker, where it outlives this host.
        TimeSpan delay = job.ReadyAt - _time.GetUtcNow();
        string queue = delay >= TimeSpan.FromMilliseconds(1) ? await DeclareDelayAsync(job.JobId, delay, cancellationToken).ConfigureAwait(false) : _topology.Jobs;
        await connection.PublishAsync(string.Empty, queue, properties, job.Payload, _options.PutTimeout, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> DeclareDelayAsync(string jobId, TimeSpan delay, CancellationToken cancellationToken)
    {
        IChannel channel = _declares ?? throw new InvalidOperationException("The broker is not connected yet.");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_options.PutTimeout);

        // The client serialises a channel's requests, so concurrent puts may share this one.
        return await _topology.DeclareDelayAsync(channel, _topology.DelayQueue(jobId, 1), delay, limit.Token).ConfigureAwait(false);
    }

    private async Task ForwardInBackgroundAsync(IJobLease job)
    {
        try
        {
            await ForwardAsync(job, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MpmsException)
        {
            // The job has ended as failed, and its handle says why.
        }
    }

    /// <summary>
    /// Takes a job that waits for its time (or for its next attempt) off the broker by deleting its delay queue: no host
    /// ever sees it, and the hosts need not remember the cancel until its time (they remember one for an hour). A job
    /// already on its way (its time came, or the put is not confirmed yet) is canceled by telling every host instead.
    /// </summary>
    private async Task CancelDelayedAsync(BrokerConnection connection, PendingJob<TJob, TResult> job, string delayQueue, string waitedFor)
    {
        try
        {
            // A channel of its own: the broker may close it over a queue that is not there, and no put shares it.
            await using IChannel channel = await connection.CreateChannelAsync(CancellationToken.None).ConfigureAwait(false);
            uint deleted = await channel.QueueDeleteAsync(delayQueue, ifUnused: false, ifEmpty: false).ConfigureAwait(false);
            if (deleted > 0)
            {
                End(job, Outcome<TResult>.Canceled($"The job was canceled while it waited on RabbitMQ {waitedFor}.", job.CancelToken));
                return;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The delay queue could not be deleted: the hosts are told, as for any job.
        }

        await TellCancelAsync(connection, job.JobId).ConfigureAwait(false);
    }

    private async Task TellCancelAsync(BrokerConnection connection, string jobId)
    {
        try
        {
            var properties = new BasicProperties { CorrelationId = jobId };
            await connection.PublishAsync(_topology.Cancels, string.Empty, properties, Encoding.ASCII.GetBytes(jobId), _options.PutTimeout, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A cancel is a request: if it cannot be told, the job runs and its outcome still comes back.
        }
    }

    private Task OnOutcomeAsync(object sender, BasicDeliverEventArgs args)
    {
        string? jobId = args.BasicProperties.CorrelationId;
        if (jobId is not null && OutcomeMessage.IsNotice(args.BasicProperties))
        {
            OnNotice(jobId, args.BasicProperties, args.Body);
            return Task.CompletedTask;
        }

        _retryWaits.TryRemove(jobId ?? string.Empty, out _);
        if (jobId is null || !_out.TryRemove(jobId, out PendingJob<TJob, TResult>? job))
        {
            RabbitMqLog.DuplicateOutcomeDropped(_logger, _poolName, jobId ?? "(none)", OutcomeMessage.KindOf(args.BasicProperties));
            return Task.CompletedTask;
        }

        try
        {
            OutcomeMessage.Apply(job, _jobs, args.BasicProperties, args.Body);
        }
        catch (Exception ex) when (ex is Protocol.MpmsProtocolException or ArgumentException or InvalidCastException)
        {
            // A host of another version, or a damaged message: the job still gets its one outcome, saying so.
            _jobs.Finish(job, new Outcome<TResult>(MpmsJobStatus.Failed, default, new MpmsException($"The outcome of job {jobId} from RabbitMQ cannot be read: {ex.Message}", ex)));
        }

        return Task.CompletedTask;
    }

    /// <summary>A notice about a job put here that has no outcome yet; one that comes after the outcome is dropped.</summary>
    private void OnNotice(string jobId, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        if (!_out.TryGetValue(jobId, out PendingJob<TJob, TResult>? job))
        {
            return;
        }

        if (OutcomeMessage.IsProgress(properties))
        {
            _jobs.OnProgress(job, new ReadOnlySequence<byte>(body));
            return;
        }

        (int attempt, DateTimeOffset readyAt) = OutcomeMessage.ReadRetrying(properties);
        _retryWaits[jobId] = new RetryWait(attempt, readyAt);

        // The caller canceled while the retry was on its way here: that cancel could not know its delay queue.
        if (job.CancelRequested)
        {
            Cancel(job);
        }

        // The outcome came meanwhile: nothing waits for a retry any more.
        if (!_out.ContainsKey(jobId))
        {
            _retryWaits.TryRemove(jobId, out _);
        }
    }

    private void End(PendingJob<TJob, TResult> job, in Outcome<TResult> outcome)
    {
        _retryWaits.TryRemove(job.JobId, out _);
        if (_out.TryRemove(job.JobId, out _))
        {
            _jobs.Finish(job, outcome);
        }
    }
}
