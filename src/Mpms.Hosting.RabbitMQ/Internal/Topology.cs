using RabbitMQ.Client;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// The names of what one pool declares on the broker, and the declarations. Every host declares the same things with
/// the same arguments, so declarations are idempotent when several hosts start at once (a host that disagrees, for
/// example on <see cref="MpmsRabbitMqOptions.QueueType"/>, fails to start with the broker's reason).
/// </summary>
internal sealed class Topology
{
    public Topology(string poolName, string hostId, MpmsRabbitMqOptions options)
    {
        string root = $"{options.Prefix}.{poolName}";
        Jobs = $"{root}.jobs";
        Dead = $"{root}.dead";
        Outcomes = $"{root}.outcomes";
        Orphaned = $"{root}.orphaned";
        OrphanedOutcomes = $"{root}.orphaned-outcomes";
        Cancels = $"{root}.cancels";
        HostQueue = $"{root}.host.{hostId}";
        CancelQueue = $"{root}.cancels.{hostId}";
        LeasePrefix = $"{root}.lease.";
        DelayPrefix = $"{root}.delay.";
        HostId = hostId;
        _options = options;
    }

    /// <summary>The highest job priority (<see cref="MpmsPutOptions.Priority"/> is 0–9), and the job queue's <c>x-max-priority</c>.</summary>
    public const byte MaxPriority = 9;

    private readonly MpmsRabbitMqOptions _options;

    /// <summary>Gets a value indicating whether the job queue delivers higher priorities first (a classic queue declared with <c>x-max-priority</c>).</summary>
    public bool HasPriorities => _options.QueueType == MpmsRabbitMqQueueType.Classic;

    /// <summary>Gets the durable queue every host puts jobs on and takes jobs from.</summary>
    public string Jobs { get; }

    /// <summary>Gets the durable queue of jobs that gave up (lost too often, or unreadable).</summary>
    public string Dead { get; }

    /// <summary>Gets the direct exchange outcomes are published to, keyed by the id of the host that put the job.</summary>
    public string Outcomes { get; }

    /// <summary>Gets the fanout exchange that takes the outcomes no host queue takes (the alternate exchange of <see cref="Outcomes"/>).</summary>
    public string Orphaned { get; }

    /// <summary>Gets the durable queue that keeps outcomes whose host is gone.</summary>
    public string OrphanedOutcomes { get; }

    /// <summary>Gets the fanout exchange that tells every host that a caller canceled a job.</summary>
    public string Cancels { get; }

    /// <summary>Gets this host's reply queue.</summary>
    public string HostQueue { get; }

    /// <summary>Gets this host's queue of cancel notices (exclusive: it lives as long as the connection).</summary>
    public string CancelQueue { get; }

    /// <summary>Gets the start of the names of per-job lease queues.</summary>
    public string LeasePrefix { get; }

    /// <summary>Gets the start of the names of per-job delay queues.</summary>
    public string DelayPrefix { get; }

    /// <summary>Gets this host's id: the routing key of its outcomes.</summary>
    public string HostId { get; }

    /// <summary>Declares the pool's queues and exchanges and this host's own queues.</summary>
    public async Task DeclareAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.QueueDeclareAsync(Dead, durable: true, exclusive: false, autoDelete: false, arguments: QueueTypeArguments(), cancellationToken: cancellationToken).ConfigureAwait(false);

        Dictionary<string, object?> jobs = QueueTypeArguments();
        if (_options.QueueType == MpmsRabbitMqQueueType.Quorum)
        {
            // A message redelivered too often (hosts that die while running it, without a chance to count the attempt)
            // goes to the dead-letter queue instead of looping.
            jobs["x-delivery-limit"] = _options.DeliveryLimit;
            jobs["x-dead-letter-exchange"] = string.Empty;
            jobs["x-dead-letter-routing-key"] = Dead;
        }
        else
        {
            // Changes the queue's arguments: a job queue declared by an earlier version without it must be deleted
            // (once drained) before hosts of this version start, or the broker refuses the declaration.
            jobs["x-max-priority"] = MaxPriority;
        }

        await channel.QueueDeclareAsync(Jobs, durable: true, exclusive: false, autoDelete: false, arguments: jobs, cancellationToken: cancellationToken).ConfigureAwait(false);

        await channel.ExchangeDeclareAsync(Orphaned, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(OrphanedOutcomes, durable: true, exclusive: false, autoDelete: false, arguments: QueueTypeArguments(), cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(OrphanedOutcomes, Orphaned, string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(Outcomes, ExchangeType.Direct, durable: true, autoDelete: false, arguments: new Dictionary<string, object?> { ["alternate-exchange"] = Orphaned }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(Cancels, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);

        // The reply queue outlives a broken connection (outcomes wait in it for the host to come back), but not its host:
        // an outcome nobody takes within OrphanedOutcomeAfter moves to the orphaned queue, and the empty queue then expires.
        long orphanAfter = (long)_options.OrphanedOutcomeAfter.TotalMilliseconds;
        await channel.QueueDeclareAsync(HostQueue, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-message-ttl"] = orphanAfter,
            ["x-dead-letter-exchange"] = Orphaned,
            ["x-expires"] = (orphanAfter * 2) + 60_000,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(HostQueue, Outcomes, HostId, cancellationToken: cancellationToken).ConfigureAwait(false);

        await channel.QueueDeclareAsync(CancelQueue, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(CancelQueue, Cancels, string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Declares the lease queue of one job: a copy in it that is not renewed in time goes back to the job queue.</summary>
    public async Task<string> DeclareLeaseAsync(IChannel channel, string jobId, TimeSpan ttl, CancellationToken cancellationToken)
    {
        string name = LeasePrefix + jobId;
        long ttlMs = (long)ttl.TotalMilliseconds;
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-message-ttl"] = ttlMs,
            ["x-dead-letter-exchange"] = string.Empty,
            ["x-dead-letter-routing-key"] = Jobs,

            // Renewals read from the queue and keep it in use; once its host is gone and the copy went back, it expires.
            ["x-expires"] = (ttlMs * 2) + 60_000,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>
    /// Declares a delay queue of one job (named by <see cref="DelayQueue"/>): its message moves to the job queue once <paramref name="delay"/> has passed.
    /// One queue per job, as the broker expires messages only at the head of a queue: in a shared queue a long delay
    /// would hold back every shorter one behind it.
    /// </summary>
    public async Task<string> DeclareDelayAsync(IChannel channel, string name, TimeSpan delay, CancellationToken cancellationToken)
    {
        long delayMs = Math.Max(1, (long)Math.Ceiling(delay.TotalMilliseconds));
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-message-ttl"] = delayMs,
            ["x-dead-letter-exchange"] = string.Empty,
            ["x-dead-letter-routing-key"] = Jobs,

            // Nothing consumes it: the empty queue goes a minute after its message left.
            ["x-expires"] = delayMs + DelayQueueGrace,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>
    /// The name of the delay queue that holds a job until <paramref name="attempt"/> may run: the put's own for the first,
    /// one per retry after it, so that no declaration meets a queue of the same name with another delay.
    /// </summary>
    public string DelayQueue(string jobId, int attempt) => attempt <= 1 ? DelayPrefix + jobId : $"{DelayPrefix}{jobId}.{attempt}";

    /// <summary>How long a delay queue outlives its delay, in milliseconds.</summary>
    public const long DelayQueueGrace = 60_000;

    private Dictionary<string, object?> QueueTypeArguments() => _options.QueueType == MpmsRabbitMqQueueType.Quorum
        ? new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }
        : [];
}
