using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// Keeps long jobs clear of the broker's delivery-acknowledgement timeout (<c>consumer_timeout</c>), which closes a
/// channel that holds a delivery too long and so would give a running job to another host. A delivery held for
/// <see cref="MpmsRabbitMqOptions.LongJobLeaseAfter"/> becomes a lease: a copy of the job, marked started, goes to a
/// queue of its own whose messages live three times that long and then dead-letter back to the job queue; the original
/// delivery is acknowledged. The lease is renewed as often (a new copy published, the old one read and acknowledged),
/// and its queue is deleted once the job's outcome is confirmed. If the host dies, the copy expires and comes back
/// marked started, so the pool's worker-lost policy answers it: the one-outcome rule holds.
/// </summary>
internal sealed class LongJobLeases(DeliveryDispatcher dispatcher, MpmsRabbitMqOptions options, TimeProvider time, ILogger logger)
{
    private TimeSpan Ttl => options.LongJobLeaseAfter * 3;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Checked a few times per period, so that no delivery outlives the period by much.
        TimeSpan tick = options.LongJobLeaseAfter / 4;
        using var timer = new PeriodicTimer(tick < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (DeliveryLease lease in dispatcher.Held.Values)
                {
                    if (!lease.IsEnded && time.GetElapsedTime(lease.TakenAt) >= options.LongJobLeaseAfter)
                    {
                        await KeepAsync(lease, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task KeepAsync(DeliveryLease lease, CancellationToken cancellationToken)
    {
        if (!await lease.Settling.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return; // being settled right now
        }

        try
        {
            if (lease.IsEnded)
            {
                return;
            }

            Settler settler = dispatcher.Settler;
            IChannel channel = settler.LeaseChannel;
            if (lease.LeaseQueue is null)
            {
                string queue = await dispatcher.Topology.DeclareLeaseAsync(channel, lease.JobId, Ttl, cancellationToken).ConfigureAwait(false);
                await settler.Connection.PublishAsync(string.Empty, queue, Settler.JobProperties(lease, lease.Attempt, started: true), lease.Body, options.PutTimeout, cancellationToken).ConfigureAwait(false);
                await settler.AckAsync(lease.DeliveryTag).ConfigureAwait(false);
                lease.LeaseQueue = queue;
                RabbitMqLog.LongJobLeased(logger, dispatcher.PoolName, lease.JobId, options.LongJobLeaseAfter, queue);
            }
            else
            {
                await settler.Connection.PublishAsync(string.Empty, lease.LeaseQueue, Settler.JobProperties(lease, lease.Attempt, started: true), lease.Body, options.PutTimeout, cancellationToken).ConfigureAwait(false);
                if (await channel.BasicGetAsync(lease.LeaseQueue, autoAck: false, cancellationToken).ConfigureAwait(false) is { } old)
                {
                    await channel.BasicAckAsync(old.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
                }
            }

            lease.TakenAt = time.GetTimestamp();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            RabbitMqLog.LeaseRenewalFailed(logger, dispatcher.PoolName, lease.JobId, ex);
        }
        finally
        {
            lease.Settling.Release();
        }
    }
}
