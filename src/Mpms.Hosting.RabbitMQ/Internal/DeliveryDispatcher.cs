using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Queue;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// The consuming side of one host, as its processes see it through <see cref="IJobDispatcher"/>: deliveries from the
/// pool's job queue, at most as many as the processes have room for (the channel's prefetch), leased to the links; each
/// lease is settled with the broker (<see cref="Settler"/>) only once its outcome is confirmed.
/// </summary>
/// <remarks>
/// A delivery that comes back redelivered, or marked started by an expired lease, was held by a host that died or lost
/// its connection: it may have started, so <see cref="MpmsOptions.OnWorkerLost"/> decides at once, without running it —
/// WorkerLost, or a new attempt published with its count, so that counts survive several deaths.
/// </remarks>
internal sealed class DeliveryDispatcher : IJobDispatcher
{
    private readonly Channel<DeliveryLease> _waiting = System.Threading.Channels.Channel.CreateUnbounded<DeliveryLease>(new UnboundedChannelOptions { AllowSynchronousContinuations = false });
    private readonly ConcurrentDictionary<string, DeliveryLease> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, string> _sequences = new();
    private readonly CanceledJobs _canceled = new();
    private readonly IJobDispatcher _local;
    private readonly WorkerLostPolicy _policy;
    private readonly ushort _prefetch;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private IChannel? _channel;
    private AsyncEventingBasicConsumer? _consumer;
    private string? _consumerTag;
    private volatile bool _taking;

    public DeliveryDispatcher(string poolName, IJobDispatcher local, Topology topology, MpmsOptions options, MpmsRabbitMqOptions brokerOptions, TimeProvider time, ILogger logger)
    {
        PoolName = poolName;
        _local = local;
        Topology = topology;
        _policy = new WorkerLostPolicy(options);
        Retries = new RetryDecider(poolName, options.Retry, logger);
        _time = time;
        _logger = logger;

        // The pool's credit: every thread busy and every process holding its prefetch. The broker sends no more than
        // that unacknowledged, so an idle host pulls work and a busy one leaves it to the others.
        _prefetch = (ushort)Math.Clamp((long)options.Processes * (options.ThreadsPerProcess + options.EffectivePrefetch), 1, ushort.MaxValue);
        Settler = new Settler(this, brokerOptions, logger);
    }

    public string PoolName { get; }

    public Topology Topology { get; }

    public string HostId => Topology.HostId;

    public int Prefetch => _prefetch;

    public TimeProvider Time => _time;

    public Settler Settler { get; }

    /// <summary>Gets what decides whether a run that threw here runs again.</summary>
    public RetryDecider Retries { get; }

    /// <summary>Gets the leases this host holds, by job id: waiting here, or at a process.</summary>
    public ConcurrentDictionary<string, DeliveryLease> Held => _held;

    public IChannel Channel => _channel ?? throw new InvalidOperationException("The dispatcher has not started.");

    public async Task StartAsync(BrokerConnection connection, CancellationToken cancellationToken)
    {
        _channel = await connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
        await _channel.BasicQosAsync(0, _prefetch, global: false, cancellationToken).ConfigureAwait(false);
        await Settler.StartAsync(connection, cancellationToken).ConfigureAwait(false);

        var cancels = new AsyncEventingBasicConsumer(_channel);
        cancels.ReceivedAsync += OnCancelNotice;
        await _channel.BasicConsumeAsync(Topology.CancelQueue, autoAck: true, cancels, cancellationToken).ConfigureAwait(false);

        _consumer = new AsyncEventingBasicConsumer(_channel);
        _consumer.ReceivedAsync += OnDeliveryAsync;
        await ResumeAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<bool> WaitForJobAsync(CancellationToken cancellationToken) => _waiting.Reader.WaitToReadAsync(cancellationToken);

    public bool TryLease(ILeaseHolder holder, [NotNullWhen(true)] out IJobLease? lease)
    {
        while (_waiting.Reader.TryRead(out DeliveryLease? job))
        {
            if (job.IsEnded)
            {
                continue;
            }

            if (job.CancelRequested && job.TryEnd())
            {
                Answer(job, Canceled(job));
                continue;
            }

            job.Holder = holder;
            lease = job;
            return true;
        }

        lease = null;
        return false;
    }

    /// <summary>The pool's processes keep failing to start: puts here fail, and the jobs go to the other hosts.</summary>
    public void ReportFailed(string reason)
    {
        _local.ReportFailed(reason);
        _ = PauseAsync();
    }

    public void ReportRecovered()
    {
        _local.ReportRecovered();
        _ = ResumeAsync(CancellationToken.None);
    }

    /// <summary>Stops taking deliveries and hands back the ones no process has; what processes hold comes back as they stop.</summary>
    public async Task PauseAsync()
    {
        _taking = false;
        if (Interlocked.Exchange(ref _consumerTag, null) is { } tag && _channel is { IsOpen: true } channel)
        {
            try
            {
                await channel.BasicCancelAsync(tag).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is global::RabbitMQ.Client.Exceptions.AlreadyClosedException or global::RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                // The channel is gone, and with it the consumer.
            }
        }

        int count = 0;
        while (_waiting.Reader.TryRead(out DeliveryLease? job))
        {
            if (job.TryEnd())
            {
                count++;
                Settler.ReturnToBroker(job);
            }
        }

        if (count > 0)
        {
            RabbitMqLog.HandedBack(_logger, PoolName, HostId, count);
        }
    }

    /// <summary>A lease that never started came back from its process: it waits here again, or goes back to the broker while this host stops taking.</summary>
    public void HandBack(DeliveryLease lease)
    {
        if (_taking)
        {
            _waiting.Writer.TryWrite(lease);
        }
        else if (lease.TryEnd())
        {
            Settler.ReturnToBroker(lease);
        }
    }

    /// <summary>A lease ended with an outcome: publish it to the host that put the job, then settle the delivery.</summary>
    public void Answer(DeliveryLease lease, (BasicProperties Properties, byte[] Body) outcome) => Settler.Answer(lease, outcome);

    /// <summary>The process that had the job died: the pool's policy decides, as it does without a broker.</summary>
    public void Lose(DeliveryLease lease, WorkerLoss loss, LastSeenRunning? lastSeen)
    {
        switch (_policy.Decide(lease.Started, lease.Attempt, lease.CancelRequested))
        {
            case LostJobFate.HandBack:
                lease.HandBack();
                break;
            case LostJobFate.Retry when lease.TryEnd():
                Settler.Retry(lease);
                break;
            default:
                if (lease.TryEnd())
                {
                    Settler.GiveUp(lease, OutcomeMessage.Lost(lease.JobId, loss, lastSeen));
                }

                break;
        }
    }

    /// <summary>The lease is settled with the broker: the host holds it no more.</summary>
    public void Forget(DeliveryLease lease)
    {
        _held.TryRemove(new KeyValuePair<string, DeliveryLease>(lease.JobId, lease));

        // A later attempt of the job, here already, keeps the sequence number it shares with this one.
        if (!_held.ContainsKey(lease.JobId))
        {
            _sequences.TryRemove(new KeyValuePair<long, string>(lease.Sequence, lease.JobId));
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await PauseAsync().ConfigureAwait(false);
        await Settler.WaitIdleAsync(cancellationToken).ConfigureAwait(false);
        if (_channel is { } channel)
        {
            await channel.CloseAsync(CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            channel.Dispose();
        }

        await Settler.DisposeAsync().ConfigureAwait(false);
    }

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        _taking = true;
        if (_consumer is { } consumer && _channel is { } channel && Volatile.Read(ref _consumerTag) is null)
        {
            _consumerTag = await channel.BasicConsumeAsync(Topology.Jobs, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task OnDeliveryAsync(object sender, BasicDeliverEventArgs args)
    {
        IReadOnlyBasicProperties properties = args.BasicProperties;
        IDictionary<string, object?>? headers = properties.Headers;
        string? jobId = properties.MessageId;
        if (jobId is null || properties.ReplyTo is null || Headers.Long(headers, Headers.IdHigh) is not { } idHigh || Headers.Long(headers, Headers.Sequence) is not { } sequence)
        {
            RabbitMqLog.UnreadableMessage(_logger, PoolName, Topology.Jobs, "no job id, reply host, id or sequence header");
            await Settler.DeadLetterUnreadableAsync(args.DeliveryTag, properties, args.Body.ToArray()).ConfigureAwait(false);
            return;
        }

        // This host still has the job: its channel was recovered and the broker sent it again. The run goes on; only
        // the delivery to acknowledge changes. A later attempt is not a copy: this host retried the job, and the new
        // attempt came back before the old delivery was settled.
        int attempt = (int)(Headers.Long(headers, Headers.Attempt) ?? 1);
        if (_held.TryGetValue(jobId, out DeliveryLease? mine) && attempt <= mine.Attempt)
        {
            if (!mine.IsEnded)
            {
                if (args.Redelivered)
                {
                    mine.DeliveryTag = args.DeliveryTag;
                }
                else
                {
                    // A second copy of a job this host runs (a put retried across a broker failure): one run answers both.
                    await Settler.AckAsync(args.DeliveryTag).ConfigureAwait(false);
                }

                return;
            }

            // Answered here while the channel was lost, its acknowledgement with it: once the answer is confirmed, the
            // copy that came back is done too. If the answer failed, the copy is decided like any that came back.
            await mine.Settling.WaitAsync().ConfigureAwait(false);
            mine.Settling.Release();
            if (mine.Answered)
            {
                await Settler.AckAsync(args.DeliveryTag).ConfigureAwait(false);
                return;
            }
        }

        var lease = new DeliveryLease(this, args.DeliveryTag, jobId, idHigh, sequence, attempt, properties.Priority, properties.ReplyTo, Headers.Text(headers, Headers.TraceParent), Headers.Bytes(headers, Headers.Retry), args.Body.ToArray(), _time.GetTimestamp());
        _held[jobId] = lease;
        if (!_taking)
        {
            lease.TryEnd();
            Settler.ReturnToBroker(lease);
        }
        else if (_canceled.Contains(jobId))
        {
            lease.TryEnd();
            Answer(lease, Canceled(lease));
        }
        else if (args.Redelivered || Headers.Long(headers, Headers.Started) == 1)
        {
            DecideMayHaveStarted(lease);
        }
        else if (!_sequences.TryAdd(sequence, jobId) && !(_sequences.TryGetValue(sequence, out string? holder) && holder == jobId))
        {
            // (The job's own earlier attempt, not settled yet, is no clash: its run has ended.)
            // Another host's job with the same sequence number is here already (hosts start at random offsets, so this
            // is rare): a link keys jobs by it, so this one goes back for another host, or for later.
            lease.TryEnd();
            Settler.ReturnToBroker(lease);
        }
        else
        {
            _waiting.Writer.TryWrite(lease);
        }
    }

    private void DecideMayHaveStarted(DeliveryLease lease)
    {
        lease.TryEnd();
        if (_policy.Decide(startedKnown: true, lease.Attempt, cancelRequested: false) == LostJobFate.Retry)
        {
            RabbitMqLog.RedeliveredRetried(_logger, PoolName, lease.JobId, lease.Attempt + 1);
            Settler.Retry(lease);
        }
        else
        {
            RabbitMqLog.RedeliveredLost(_logger, PoolName, lease.JobId, lease.Attempt);
            var loss = new WorkerLoss("a host that held the job", 0, MpmsProcessExitReason.LinkLost, null, null);
            Settler.GiveUp(lease, OutcomeMessage.Lost(lease.JobId, loss, null));
        }
    }

    private Task OnCancelNotice(object sender, BasicDeliverEventArgs args)
    {
        if (args.BasicProperties.CorrelationId is { } jobId)
        {
            if (_held.TryGetValue(jobId, out DeliveryLease? lease) && !lease.IsEnded)
            {
                lease.RequestCancel();
            }
            else
            {
                // Not here, or ended here and on its way back to the broker (a retry): if it comes again, it is canceled.
                _canceled.Add(jobId, _time.GetTimestamp(), _time);
            }
        }

        return Task.CompletedTask;
    }

    private static (BasicProperties, byte[]) Canceled(DeliveryLease lease) => OutcomeMessage.Result(
        lease.JobId,
        ResultFrame.Failure(lease.Sequence, WireStatus.Canceled, 0, 0, 0, new WireError(typeof(OperationCanceledException).FullName!, "The job was canceled before it started.", null, null)),
        0,
        null);
}
