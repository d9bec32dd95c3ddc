using System.Security.Cryptography;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Registration;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>The broker of one pool: attaches a RabbitMQ session to the pool as the pool is made.</summary>
internal sealed class RabbitMqPoolBroker(string poolName, MpmsRabbitMqOptions options, TimeProvider time, ILoggerFactory loggerFactory) : IPoolBroker
{
    public IPoolBrokerSession Attach<TJob, TResult>(PoolQueue<TJob, TResult> queue, MpmsOptions poolOptions)
    {
        string hostId = options.HostId ?? $"{Sanitize(Environment.MachineName)}-{Environment.ProcessId}-{RandomNumberGenerator.GetHexString(6, lowercase: true)}";
        var topology = new Topology(poolName, hostId, options);
        ILogger logger = loggerFactory.CreateLogger("Mpms.Hosting.RabbitMQ");

        // Every host numbers its jobs from its own random point, so that jobs of different hosts do not meet with one
        // sequence number on a link (which keys its jobs by it); 2^62 leaves room for any number of jobs.
        queue.Gate.OffsetSequences(RandomNumberGenerator.GetInt32(1, int.MaxValue) * (long)int.MaxValue);
        var forwarder = new JobForwarder<TJob, TResult>(poolName, queue.Jobs, topology, options, time, logger);
        queue.Puts.Forwarder = forwarder;
        var dispatcher = new DeliveryDispatcher(poolName, queue.Jobs, topology, poolOptions, options, time, logger);
        return new BrokerSession<TJob, TResult>(poolName, options, topology, forwarder, dispatcher, time, logger);
    }

    private static string Sanitize(string name)
    {
        Span<char> chars = stackalloc char[Math.Min(name.Length, 40)];
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = char.IsAsciiLetterOrDigit(name[i]) ? name[i] : '-';
        }

        return chars.Length == 0 ? "host" : new string(chars);
    }
}
