using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// Settles the jobs one host took, with the broker, in the one order that keeps one outcome per job: publish what
/// replaces the delivery (the outcome, a new attempt, or the job handed back), wait for the broker's confirm, and only
/// then acknowledge the delivery (or delete the job's lease queue). A host that dies in between leaves the delivery
/// unacknowledged: the broker gives it to another host, which answers it as "may have started"; the putting host keeps
/// the first outcome and drops the second.
/// </summary>
internal sealed class Settler(DeliveryDispatcher dispatcher, MpmsRabbitMqOptions options, ILogger logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<DeliveryLease, Task> _running = new();
    private BrokerConnection? _connection;
    private IChannel? _leases;

    // An outcome waits longer than a put for a broker that is down: the job's run is already paid for.
    private TimeSpan OutcomeTimeout => options.PutTimeout * 10;

    /// <summary>Gets the channel that reads and deletes lease queues.</summary>
    public IChannel LeaseChannel => _leases ?? throw new InvalidOperationException("The settler has not started.");

    public BrokerConnection Connection => _connection ?? throw new InvalidOperationException("The settler has not started.");

    public async Task StartAsync(BrokerConnection connection, CancellationToken cancellationToken)
    {
        _connection = connection;
        _leases = await connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes the outcome to the host that put the job, then settles.</summary>
    public void Answer(DeliveryLease lease, (BasicProperties Properties, byte[] Body) outcome) =>
        Track(lease, async () => await Connection.PublishAsync(dispatcher.Topology.Outcomes, lease.ReplyTo, WithAttempt(outcome.Properties, lease), outcome.Body, OutcomeTimeout, CancellationToken.None).ConfigureAwait(false));

    /// <summary>Publishes the job again as its next attempt, then settles: the count travels with the job.</summary>
    public void Retry(DeliveryLease lease) =>
        Track(lease, async () => await Connection.PublishAsync(string.Empty, dispatcher.Topology.Jobs, JobProperties(lease, lease.Attempt + 1), lease.Body, OutcomeTimeout, CancellationToken.None).ConfigureAwait(false));

    /// <summary>
    /// Publishes the job again as its next attempt after a run that threw, through a delay queue of its own when it must
    /// wait; tells the putting host (so that a cancel can take it off the broker), then settles.
    /// </summary>
    public void RetryAfterFailure(DeliveryLease lease, TimeSpan delay) => Track(lease, async () =>
    {
        int next = lease.Attempt + 1;
        string queue = dispatcher.Topology.Jobs;
        if (delay >= TimeSpan.FromMilliseconds(1))
        {
            // A channel of its own: a declaration the broker refuses closes its channel, and none other depends on this one.
            await using IChannel channel = await Connection.CreateChannelAsync(CancellationToken.None).ConfigureAwait(false);
            using var limit = new CancellationTokenSource(OutcomeTimeout);
            queue = await dispatcher.Topology.DeclareDelayAsync(channel, dispatcher.Topology.DelayQueue(lease.JobId, next), delay, limit.Token).ConfigureAwait(false);
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await Connection.PublishAsync(string.Empty, queue, JobProperties(lease, next), lease.Body, OutcomeTimeout, CancellationToken.None).ConfigureAwait(false);
        RabbitMqLog.RetryPublished(logger, dispatcher.PoolName, lease.JobId, next, delay, queue);
        Connection.PublishWithoutConfirm(dispatcher.Topology.Outcomes, lease.ReplyTo, OutcomeMessage.Retrying(lease.JobId, next, dispatcher.Time.GetUtcNow() + delay));
    });

    /// <summary>
    /// Sends the running job's latest progress to the host that put it. Not confirmed and not retried: a newer value
    /// replaces a lost one, and the outcome, published later on the same channel, follows it.
    /// </summary>
    public void PublishProgress(DeliveryLease lease, byte[] value) =>
        Connection.PublishWithoutConfirm(dispatcher.Topology.Outcomes, lease.ReplyTo, OutcomeMessage.Progress(lease.JobId, value));

    /// <summary>Publishes the job again unchanged (it never started here), then settles.</summary>
    public void ReturnToBroker(DeliveryLease lease) =>
        Track(lease, async () => await Connection.PublishAsync(string.Empty, dispatcher.Topology.Jobs, JobProperties(lease, lease.Attempt), lease.Body, OutcomeTimeout, CancellationToken.None).ConfigureAwait(false));

    /// <summary>Keeps a copy of the job in the dead-letter queue, publishes its outcome, then settles.</summary>
    public void GiveUp(DeliveryLease lease, (BasicProperties Properties, byte[] Body) outcome) => Track(lease, async () =>
    {
        await Connection.PublishAsync(string.Empty, dispatcher.Topology.Dead, JobProperties(lease, lease.Attempt), lease.Body, OutcomeTimeout, CancellationToken.None).ConfigureAwait(false);
        RabbitMqLog.DeadLettered(logger, dispatcher.PoolName, lease.JobId, lease.Attempt, dispatcher.Topology.Dead);
        await Connection.PublishAsync(dispatcher.Topology.Outcomes, lease.ReplyTo, WithAttempt(outcome.Properties, lease), outcome.Body, OutcomeTimeout, CancellationToken.None).ConfigureAwait(false);
    });

    /// <summary>Moves a message no host can read to the dead-letter queue.</summary>
    public async Task DeadLetterUnreadableAsync(ulong deliveryTag, IReadOnlyBasicProperties properties, byte[] body)
    {
        await Connection.PublishAsync(string.Empty, dispatcher.Topology.Dead, new BasicProperties(properties) { Persistent = true }, body, OutcomeTimeout, CancellationToken.None).ConfigureAwait(false);
        await AckAsync(deliveryTag).ConfigureAwait(false);
    }

    /// <summary>Acknowledges a delivery; one on a channel that was lost meanwhile is the broker's again, and nothing is sent.</summary>
    public async Task AckAsync(ulong deliveryTag)
    {
        try
        {
            await dispatcher.Channel.BasicAckAsync(deliveryTag, multiple: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
        {
            // The broker requeued it with the channel; the host that gets it answers it as "may have started".
        }
    }

    /// <summary>The properties of the job's message as this host publishes it again: never marked started.</summary>
    public static BasicProperties JobProperties(DeliveryLease lease, int attempt, bool started = false)
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            MessageId = lease.JobId,
            ReplyTo = lease.ReplyTo,
            Priority = lease.Priority,
            Headers = new Dictionary<string, object?>
            {
                [Headers.IdHigh] = lease.IdHigh,
                [Headers.Sequence] = lease.Sequence,
                [Headers.Attempt] = attempt,
            },
        };
        if (started)
        {
            properties.Headers[Headers.Started] = 1;
        }

        if (lease.TraceParent is { } traceParent)
        {
            properties.Headers[Headers.TraceParent] = traceParent;
        }

        if (lease.RetryPolicy is { } retry)
        {
            properties.Headers[Headers.Retry] = retry;
        }

        return properties;
    }

    /// <summary>An outcome says which attempt it ends: the putting host's handle reports it (<see cref="MpmsResult{TJob, TResult}.Attempt"/>).</summary>
    private static BasicProperties WithAttempt(BasicProperties properties, DeliveryLease lease)
    {
        properties.Headers ??= new Dictionary<string, object?>();
        properties.Headers[Headers.Attempt] = lease.Attempt;
        return properties;
    }

    /// <summary>Waits until every settlement begun has ended, or <paramref name="cancellationToken"/> ends the wait.</summary>
    public async Task WaitIdleAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_running.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Past the deadline: what is not settled stays unacknowledged, and the broker gives it to another host.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_leases is { } leases)
        {
            await leases.CloseAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            leases.Dispose();
        }
    }

    private void Track(DeliveryLease lease, Func<Task> publish)
    {
        Task settling = SettleAsync(lease, publish);
        _running[lease] = settling;
        if (settling.IsCompleted)
        {
            _running.TryRemove(lease, out _);
        }
    }

    private async Task SettleAsync(DeliveryLease lease, Func<Task> publish)
    {
        await Task.Yield();
        await lease.Settling.WaitAsync().ConfigureAwait(false);
        try
        {
            await publish().ConfigureAwait(false);
            lease.Answered = true;
            if (lease.LeaseQueue is { } queue)
            {
                await LeaseChannel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false).ConfigureAwait(false);
            }
            else
            {
                await AckAsync(lease.DeliveryTag).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not acknowledged: the broker gives the job to another host when this channel ends (or at the lease's end).
            RabbitMqLog.OutcomePublishFailed(logger, dispatcher.PoolName, lease.JobId, ex);
            await NackAsync(lease).ConfigureAwait(false);
        }
        finally
        {
            lease.Settling.Release();
            dispatcher.Forget(lease);
            _running.TryRemove(lease, out _);
        }
    }

    private async Task NackAsync(DeliveryLease lease)
    {
        if (lease.LeaseQueue is not null)
        {
            return; // the lease expires and sends the job back marked started
        }

        try
        {
            await dispatcher.Channel.BasicNackAsync(lease.DeliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException)
        {
            // The channel is gone: the broker has the job again already.
        }
    }
}
