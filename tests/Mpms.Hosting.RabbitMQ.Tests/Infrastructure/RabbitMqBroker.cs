using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

/// <summary>
/// A private RabbitMQ node for tests: Debian's <c>rabbitmq-server</c> started as the current user on free loopback
/// ports, with an epmd of its own, a node name unique to this run, and its data, logs and configuration in a directory
/// of its own, so that it never meets another node (another test run's, or a system service) on the machine.
/// </summary>
/// <remarks>
/// The directory is made under <see cref="RootVariable"/> when it is set (CI sets it, to find a node left behind),
/// else under the system's temporary directory. Stopping ends exactly the processes started here, by their group.
/// </remarks>
public sealed class RabbitMqBroker : IAsyncDisposable
{
    /// <summary>The environment variable that names the directory under which nodes put their own directories.</summary>
    public const string RootVariable = "MPMS_TEST_BROKER_ROOT";

    private readonly RabbitMqInstallation _installation;
    private readonly RabbitMqBrokerOptions _options;
    private readonly Dictionary<string, string> _environment;
    private GroupLeaderProcess? _epmd;
    private GroupLeaderProcess? _node;
    private bool _disposed;

    private RabbitMqBroker(RabbitMqInstallation installation, RabbitMqBrokerOptions options)
    {
        _installation = installation;
        _options = options;

        // The ports are taken together so that they differ; each is free when taken and the node binds it moments later.
        (int amqp, int distribution, int epmd) = FreePorts();
        AmqpPort = amqp;
        NodeName = $"mpms-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24] + "@localhost";
        string root = Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } configured ? configured : Path.GetTempPath();
        DataDirectory = Directory.CreateDirectory(Path.Combine(root, $"mpms-rabbitmq-{Guid.NewGuid():N}")).FullName;
        AmqpUri = new Uri($"amqp://guest:guest@127.0.0.1:{amqp.ToString(CultureInfo.InvariantCulture)}/");

        File.WriteAllText(ConfigFile, Config(amqp, options.ConsumerTimeout));
        File.WriteAllText(AdvancedConfigFile, AdvancedConfig(options.ConsumerTimeout));
        File.WriteAllText(Path.Combine(DataDirectory, "enabled_plugins"), "[].\n");

        _environment = new Dictionary<string, string>
        {
            // Erlang keeps its cookie in $HOME; a home of its own gives the node and its rabbitmqctl a cookie no one else has.
            ["HOME"] = DataDirectory,
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = amqp.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distribution.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_PORT"] = epmd.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(DataDirectory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(DataDirectory, "log"),
            ["RABBITMQ_CONFIG_FILE"] = ConfigFile,
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = AdvancedConfigFile,
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(DataDirectory, "enabled_plugins"),
            // Not the system's rabbitmq-env.conf: nothing of a system node's settings applies to this one.
            ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(DataDirectory, "rabbitmq-env.conf"),
            // Unbound schedulers: several nodes and test runs share the cores, none may pin itself to them.
            ["RABBITMQ_SCHEDULER_BIND_TYPE"] = "u",
        };
    }

    /// <summary>The broker's address, with the guest user (allowed from loopback only): <c>amqp://guest:guest@127.0.0.1:port/</c>.</summary>
    public Uri AmqpUri { get; }

    /// <summary>The AMQP port; it stays the same across <see cref="RestartAsync"/>.</summary>
    public int AmqpPort { get; }

    /// <summary>The Erlang node name, unique to this broker.</summary>
    public string NodeName { get; }

    /// <summary>The node's own directory: configuration, data (mnesia) and logs (log).</summary>
    public string DataDirectory { get; }

    /// <summary>The id of the running node's process (it leads the process group of the node), or null when stopped.</summary>
    public int? NodeProcessId => _node?.Id;

    /// <summary>The id of the node's epmd (it leads a process group of its own), or null when stopped.</summary>
    public int? EpmdProcessId => _epmd?.Id;

    /// <summary>How long the last start took, from launching the node to its first accepted AMQP connection.</summary>
    public TimeSpan LastStartDuration { get; private set; }

    private string ConfigFile => Path.Combine(DataDirectory, "rabbitmq.conf");

    private string AdvancedConfigFile => Path.Combine(DataDirectory, "advanced.config");

    /// <summary>Starts a node and returns once it accepts AMQP connections; fails with the node's output if it cannot.</summary>
    public static async Task<RabbitMqBroker> StartAsync(RabbitMqBrokerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var broker = new RabbitMqBroker(RabbitMqInstallation.Find(), options ?? new RabbitMqBrokerOptions());
        try
        {
            broker.StartEpmd();
            await broker.StartNodeAsync(cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the node and starts it again with the same name, data and ports (a broker restart).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopNodeAsync(cancellationToken);
        await StartNodeAsync(cancellationToken);
    }

    /// <summary>Starts the node (after <see cref="StopNodeAsync"/>) and returns once it accepts AMQP connections.</summary>
    public async Task StartNodeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_node is not null)
        {
            throw new InvalidOperationException($"The node {NodeName} is already running.");
        }

        long started = TimeProvider.System.GetTimestamp();
        _node = GroupLeaderProcess.Start(_installation.Server, [], DataDirectory, _environment);
        await WaitUntilAcceptingAsync(cancellationToken);
        LastStartDuration = TimeProvider.System.GetElapsedTime(started);
    }

    /// <summary>
    /// Stops the node gracefully (<c>rabbitmqctl stop</c>) and kills what is left of its process group; the data, the
    /// ports and epmd are kept for <see cref="StartNodeAsync"/>.
    /// </summary>
    public async Task StopNodeAsync(CancellationToken cancellationToken = default)
    {
        if (_node is not { } node)
        {
            return;
        }

        if (!node.HasExited)
        {
            // The tool's output tells why a stop failed; a failed stop still ends in the kill below.
            _ = await GroupLeaderProcess.RunAsync(_installation.Ctl, ["-n", NodeName, "stop"], DataDirectory, _environment, _options.StopTimeout);
            await node.WaitForExitAsync(_options.StopTimeout);
        }

        cancellationToken.ThrowIfCancellationRequested();
        node.KillGroup();
        await node.WaitForExitAsync(_options.StopTimeout);
        node.Dispose();
        _node = null;
    }

    /// <summary>Stops the node and its epmd, leaving no process behind, and deletes the node's directory.</summary>
    public async Task StopAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await StopNodeAsync(CancellationToken.None);
        }
        finally
        {
            if (_epmd is { } epmd)
            {
                epmd.KillGroup();
                await epmd.WaitForExitAsync(_options.StopTimeout);
                epmd.Dispose();
                _epmd = null;
            }

            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    /// <inheritdoc cref="StopAsync"/>
    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>Opens a connection to the broker (the caller disposes it).</summary>
    public Task<IConnection> ConnectAsync(CancellationToken cancellationToken = default) =>
        new ConnectionFactory { Uri = AmqpUri, AutomaticRecoveryEnabled = false }.CreateConnectionAsync(cancellationToken);

    // The node would start an epmd of its own if none answered on its port, as a daemon outside the process group;
    // one started here first is found by the node and is ended by pid like the rest.
    private void StartEpmd() =>
        _epmd = GroupLeaderProcess.Start("epmd", ["-port", _environment["ERL_EPMD_PORT"]], DataDirectory, _environment);

    private async Task WaitUntilAcceptingAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(_options.StartTimeout, TimeProvider.System);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var factory = new ConnectionFactory
        {
            Uri = AmqpUri,
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(2),
        };

        while (true)
        {
            if (_node!.HasExited)
            {
                throw new InvalidOperationException($"The RabbitMQ node {NodeName} exited while starting.{Environment.NewLine}{Diagnostics()}");
            }

            try
            {
                await using IConnection connection = await factory.CreateConnectionAsync(both.Token);
                return;
            }
            catch (BrokerUnreachableException) when (!both.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                // The listener opens late in the boot; a refused connection comes back at once, so attempts are spaced.
                await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, both.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        throw new TimeoutException(
            $"The RabbitMQ node {NodeName} did not accept an AMQP connection on {AmqpPort} within {_options.StartTimeout.TotalSeconds:0} s.{Environment.NewLine}{Diagnostics()}");
    }

    private string Diagnostics()
    {
        var text = new StringBuilder().AppendLine("Its output:").AppendLine(_node?.Output);
        string log = Path.Combine(DataDirectory, "log", NodeName + ".log");
        if (File.Exists(log))
        {
            text.AppendLine($"The end of its log ({log}):").AppendJoin(Environment.NewLine, File.ReadLines(log).TakeLast(30));
        }

        return text.ToString();
    }

    private static string Config(int amqpPort, TimeSpan? consumerTimeout)
    {
        var config = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"listeners.tcp.1 = 127.0.0.1:{amqpPort}")
            // The guest user may connect from loopback only (RabbitMQ's default, said here so that it is not changed by accident).
            .AppendLine("loopback_users.guest = true")
            // A nearly full shared disk must not make the test broker block its publishers.
            .AppendLine("disk_free_limit.absolute = 10MB");
        if (consumerTimeout is { } timeout)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"consumer_timeout = {(long)timeout.TotalMilliseconds}");
        }

        return config.ToString();
    }

    // The consumer timeout is checked on each channel tick (every 60 s by default): a short one needs a short tick.
    private static string AdvancedConfig(TimeSpan? consumerTimeout) =>
        consumerTimeout is null ? "[].\n" : "[{rabbit, [{channel_tick_interval, 1000}]}].\n";

    private static (int Amqp, int Distribution, int Epmd) FreePorts()
    {
        var listeners = Enumerable.Range(0, 3).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (TcpListener listener in listeners)
            {
                listener.Start();
            }

            int[] ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
            return (ports[0], ports[1], ports[2]);
        }
        finally
        {
            foreach (TcpListener listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}
