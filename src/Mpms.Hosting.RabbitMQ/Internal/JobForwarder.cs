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
    private readonly string _poolName;
    private readonly JobQueue<TJob, TResult> _jobs;
    private readonly Topology _topology;
    private readonly MpmsRabbitMqOptions _options;
    private readonly ILogger _logger;
    private BrokerConnection? _connection;
    private IChannel? _replies;

    public JobForwarder(string poolName, JobQueue<TJob, TResult> jobs, Topology topology, MpmsRabbitMqOptions options, ILogger logger)
    {
        _poolName = poolName;
        _jobs = jobs;
        _topology = topology;
        _options = options;
        _logger = logger;
    }

    /// <summary>Gets a value indicating whether the job queue orders by priority: classic queues do, quorum queues (RabbitMQ 3.x) do not.</summary>
    public bool CarriesPriority => _topology.HasPriorities;

    /// <summary>Gets how many jobs put here wait for their outcome.</summary>
    public int Outstanding => _out.Count;

    /// <summary>Starts taking outcomes from this host's reply queue.</summary>
    public async Task StartAsync(BrokerConnection connection, CancellationToken cancellationToken)
    {
        _connection = connection;
        _replies = await connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
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
            _ = TellCancelAsync(connection, lease.JobId);
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
        if (_replies is { } replies)
        {
            await replies.CloseAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            replies.Dispose();
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

        await connection.PublishAsync(string.Empty, _topology.Jobs, properties, job.Payload, _options.PutTimeout, cancellationToken).ConfigureAwait(false);
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

    private void End(PendingJob<TJob, TResult> job, in Outcome<TResult> outcome)
    {
        if (_out.TryRemove(job.JobId, out _))
        {
            _jobs.Finish(job, outcome);
        }
    }
}
