namespace Mpms.Hosting.RabbitMQ;

/// <summary>
/// How one pool reaches RabbitMQ and names what it declares there; bound from configuration (for example the section
/// <c>Mpms:RabbitMq</c>) and validated when the host starts.
/// </summary>
/// <remarks>
/// The connection is <see cref="Uri"/> when it is set (<c>amqp://user:password@host:5672/vhost</c>, or
/// <c>amqps://</c> for TLS); otherwise <see cref="HostName"/>, <see cref="Port"/>, <see cref="VirtualHost"/>,
/// <see cref="UserName"/>, <see cref="Password"/> and <see cref="UseTls"/>. Logs name the endpoint without its user
/// information; the password is never logged.
/// </remarks>
public sealed class MpmsRabbitMqOptions
{
    /// <summary>Gets or sets the broker's AMQP URI; when set, it wins over the host, port, virtual host, user and TLS settings.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? Uri { get; set; }

    /// <summary>Gets or sets the broker's host name.</summary>
    /// <value>Default <c>localhost</c>.</value>
    public string HostName { get; set; } = "localhost";

    /// <summary>Gets or sets the broker's port; 0 means the AMQP default (5672, or 5671 with TLS).</summary>
    /// <value>Default 0.</value>
    public int Port { get; set; }

    /// <summary>Gets or sets the virtual host.</summary>
    /// <value>Default <c>/</c>.</value>
    public string VirtualHost { get; set; } = "/";

    /// <summary>Gets or sets the user name.</summary>
    /// <value>Default <c>guest</c> (which RabbitMQ only accepts from the same machine).</value>
    public string UserName { get; set; } = "guest";

    /// <summary>Gets or sets the password; it is never logged.</summary>
    /// <value>Default <c>guest</c>.</value>
    public string Password { get; set; } = "guest";

    /// <summary>Gets or sets a value indicating whether the connection uses TLS.</summary>
    /// <value>Default <see langword="false"/>.</value>
    public bool UseTls { get; set; }

    /// <summary>Gets or sets the server name the broker's TLS certificate must carry; the host name when not set.</summary>
    /// <value>Default <see langword="null"/>.</value>
    public string? TlsServerName { get; set; }

    /// <summary>Gets or sets the first part of every queue and exchange name: <c>{Prefix}.{pool}.jobs</c> and so on.</summary>
    /// <value>Default <c>mpms</c>.</value>
    public string Prefix { get; set; } = "mpms";

    /// <summary>Gets or sets the kind of queue that holds the jobs; every host of a pool must say the same.</summary>
    /// <value>Default <see cref="MpmsRabbitMqQueueType.Classic"/>.</value>
    public MpmsRabbitMqQueueType QueueType { get; set; } = MpmsRabbitMqQueueType.Classic;

    /// <summary>Gets or sets how often a quorum queue delivers one message before it dead-letters it (<c>x-delivery-limit</c>); only for <see cref="MpmsRabbitMqQueueType.Quorum"/>.</summary>
    /// <value>Default 20.</value>
    public int DeliveryLimit { get; set; } = 20;

    /// <summary>Gets or sets how long a put waits for the broker (a connection being recovered, a publisher confirm) before it fails.</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan PutTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long the host's start waits for the first connection to the broker.</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long a host holds a job's delivery unacknowledged before it turns it into a lease (a copy in a
    /// per-job lease queue, renewed as often), so that a long job never meets the broker's delivery-acknowledgement
    /// timeout (<c>consumer_timeout</c>, 30 minutes by default). Must be shorter than that timeout.
    /// </summary>
    /// <value>Default 15 minutes.</value>
    public TimeSpan LongJobLeaseAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Gets or sets how long an outcome may wait in a host's reply queue before it moves to the pool's orphaned-outcomes
    /// queue: the host that put the job is gone or cut off.
    /// </summary>
    /// <value>Default 10 minutes.</value>
    public TimeSpan OrphanedOutcomeAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets this host's id in the names of its reply queue and in logs; letters, digits, '.', '-' and '_'.</summary>
    /// <value>Default <see langword="null"/>: the machine name, the process id and a random part.</value>
    public string? HostId { get; set; }
}
