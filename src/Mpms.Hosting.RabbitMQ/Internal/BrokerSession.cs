using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Registration;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// One pool's use of RabbitMQ on this host, in the pool's stages: connect and declare before the processes start; stop
/// taking jobs as the pool begins to stop; once the processes stopped, hand back what is left, end the jobs put here
/// that got no outcome, and close the connection.
/// </summary>
internal sealed class BrokerSession<TJob, TResult>(
    string poolName,
    MpmsRabbitMqOptions options,
    Topology topology,
    JobForwarder<TJob, TResult> forwarder,
    DeliveryDispatcher dispatcher,
    TimeProvider time,
    ILogger logger) : IPoolBrokerSession
{
    private readonly CancellationTokenSource _stopping = new();
    private BrokerConnection? _connection;
    private Task _leases = Task.CompletedTask;
    private int _stopped;

    public IJobDispatcher Dispatcher => dispatcher;

    public MpmsPoolHealth Health => _connection is { IsOpen: true } ? MpmsPoolHealth.Healthy : MpmsPoolHealth.Degraded;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _connection = await BrokerConnection.ConnectAsync(options, $"mpms {poolName} {topology.HostId}", poolName, time, logger, cancellationToken).ConfigureAwait(false);
        await using (var channel = await _connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false))
        {
            await topology.DeclareAsync(channel, cancellationToken).ConfigureAwait(false);
            await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
        }

        await forwarder.StartAsync(_connection, cancellationToken).ConfigureAwait(false);
        await dispatcher.StartAsync(_connection, cancellationToken).ConfigureAwait(false);
        _leases = new LongJobLeases(dispatcher, options, time, logger).RunAsync(_stopping.Token);
        RabbitMqLog.Connected(logger, poolName, topology.HostId, _connection.Endpoint, dispatcher.Prefetch);
    }

    public void StopTaking()
    {
        _ = dispatcher.PauseAsync();
        forwarder.EndDelayed();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0 || _connection is null)
        {
            return;
        }

        await dispatcher.StopAsync(cancellationToken).ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _leases.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        forwarder.EndUnanswered();
        await forwarder.StopAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(options.PutTimeout);
        await StopAsync(deadline.Token).ConfigureAwait(false);
        _stopping.Dispose();
    }
}
