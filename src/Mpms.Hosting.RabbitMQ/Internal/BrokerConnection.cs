using System.Net.Security;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// One host's connection to the broker for one pool, recovered by the client after a failure (topology and consumers
/// too), and the channel everything is published on, with publisher confirms: a publish returns once the broker has the
/// message. A publish made while the connection is down waits for its recovery, within its time limit.
/// </summary>
internal sealed class BrokerConnection : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    private readonly IConnection _connection;
    private readonly IChannel _publish;
    private readonly TimeProvider _time;

    private BrokerConnection(IConnection connection, IChannel publish, string endpoint, TimeProvider time)
    {
        _connection = connection;
        _publish = publish;
        Endpoint = endpoint;
        _time = time;
    }

    /// <summary>Gets the broker's address without user information, for logs.</summary>
    public string Endpoint { get; }

    /// <summary>Gets a value indicating whether the connection is up now.</summary>
    public bool IsOpen => _connection.IsOpen;

    public IConnection Connection => _connection;

    /// <summary>Connects, retrying until <see cref="MpmsRabbitMqOptions.ConnectTimeout"/>; the client recovers the connection after that.</summary>
    public static async Task<BrokerConnection> ConnectAsync(MpmsRabbitMqOptions options, string clientName, string poolName, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        ConnectionFactory factory = CreateFactory(options, clientName);
        string endpoint = DescribeEndpoint(factory);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        Exception? last = null;
        while (true)
        {
            try
            {
                IConnection connection = await factory.CreateConnectionAsync(timeout.Token).ConfigureAwait(false);
                IChannel publish = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), timeout.Token).ConfigureAwait(false);
                var broker = new BrokerConnection(connection, publish, endpoint, time);
                connection.ConnectionShutdownAsync += (_, args) =>
                {
                    if (args.Initiator != ShutdownInitiator.Application)
                    {
                        RabbitMqLog.ConnectionLost(logger, poolName, endpoint, args.ReplyText);
                    }

                    return Task.CompletedTask;
                };
                connection.RecoverySucceededAsync += (_, _) =>
                {
                    RabbitMqLog.ConnectionRecovered(logger, poolName, endpoint);
                    return Task.CompletedTask;
                };
                return broker;
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = ex;
                if (timeout.IsCancellationRequested)
                {
                    throw new MpmsException($"Pool '{poolName}' could not connect to RabbitMQ at {endpoint} within {options.ConnectTimeout} (ConnectTimeout): {Describe(last)}", last);
                }

                try
                {
                    await Task.Delay(RetryDelay * 5, time, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new MpmsException($"Pool '{poolName}' could not connect to RabbitMQ at {endpoint} within {options.ConnectTimeout} (ConnectTimeout): {Describe(last)}", last);
                }
            }
        }
    }

    /// <summary>Opens another channel on the connection (the client recovers it with the connection).</summary>
    public Task<IChannel> CreateChannelAsync(CancellationToken cancellationToken) =>
        _connection.CreateChannelAsync(cancellationToken: cancellationToken);

    /// <summary>
    /// Publishes and waits for the broker's confirm, retrying across a connection recovery until <paramref name="timeout"/>
    /// or <paramref name="cancellationToken"/> ends the wait. A message that may have reached the broker before a retry
    /// can reach it twice: the one-outcome rule on the putting host makes that harmless.
    /// </summary>
    /// <exception cref="PublishException">The broker refused the message or could not route it.</exception>
    /// <exception cref="TimeoutException">The broker did not confirm within <paramref name="timeout"/>.</exception>
    public async Task PublishAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        while (true)
        {
            try
            {
                if (_connection.IsOpen && _publish.IsOpen)
                {
                    await _publish.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, limit.Token).ConfigureAwait(false);
                    return;
                }
            }
            catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException or System.IO.IOException && !limit.IsCancellationRequested)
            {
                // The connection broke under the publish: wait for the client to recover it, and publish again.
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"RabbitMQ at {Endpoint} did not confirm the message within {timeout}.");
            }

            try
            {
                await Task.Delay(RetryDelay, _time, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"RabbitMQ at {Endpoint} was not reachable within {timeout}.");
            }
        }
    }

    /// <summary>
    /// Publishes a notice (progress, a retry on its way) on the same channel as everything else, so that it goes out
    /// before what is published after it, without waiting for its confirm and without retrying: a notice that is lost
    /// is replaced by a newer one, or by the outcome. Nothing is sent while the connection is down.
    /// </summary>
    public void PublishWithoutConfirm(string exchange, string routingKey, (BasicProperties Properties, byte[] Body) message)
    {
        if (_connection.IsOpen && _publish.IsOpen)
        {
            _ = PublishIgnoringFailureAsync(exchange, routingKey, message.Properties, message.Body);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _publish.CloseAsync().ConfigureAwait(false);
            await _connection.CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or ObjectDisposedException or System.IO.IOException or TimeoutException or OperationCanceledException)
        {
            // Closing a connection that is already gone: nothing is left to release on the broker.
        }

        _publish.Dispose();
        _connection.Dispose();
    }

    private async Task PublishIgnoringFailureAsync(string exchange, string routingKey, BasicProperties properties, byte[] body)
    {
        try
        {
            // Not mandatory: a notice for a host that is gone is not worth a returned message.
            await _publish.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, body).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Best effort by design (see PublishWithoutConfirm): the outcome still comes, confirmed.
        }
    }

    /// <summary>The address of the broker, scheme, host, port and virtual host: never the user or the password.</summary>
    public static string DescribeEndpoint(ConnectionFactory factory) =>
        $"{(factory.Ssl.Enabled ? "amqps" : "amqp")}://{factory.HostName}:{(factory.Port > 0 ? factory.Port : factory.Ssl.Enabled ? 5671 : 5672)}/{Uri.EscapeDataString(factory.VirtualHost)}";

    internal static ConnectionFactory CreateFactory(MpmsRabbitMqOptions options, string clientName)
    {
        var factory = new ConnectionFactory
        {
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
            RequestedHeartbeat = TimeSpan.FromSeconds(20),
            ClientProvidedName = clientName,
        };
        if (options.Uri is { } uri)
        {
            factory.Uri = new Uri(uri);
        }
        else
        {
            factory.HostName = options.HostName;
            factory.VirtualHost = options.VirtualHost;
            factory.UserName = options.UserName;
            factory.Password = options.Password;
            if (options.UseTls)
            {
                factory.Ssl = new SslOption { Enabled = true, ServerName = options.TlsServerName ?? options.HostName, AcceptablePolicyErrors = SslPolicyErrors.None };
            }

            factory.Port = options.Port > 0 ? options.Port : options.UseTls ? 5671 : 5672;
        }

        return factory;
    }

    private static string Describe(Exception exception) => exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;
}
