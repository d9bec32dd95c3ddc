using Mpms.Hosting.Queue;

namespace Mpms.Hosting.Registration;

/// <summary>
/// A message broker that carries one pool's jobs between hosts, registered keyed by the pool's name (the
/// <c>Mpms.Hosting.RabbitMQ</c> package registers one). Without one, the pool's queue is this application's memory.
/// </summary>
internal interface IPoolBroker
{
    /// <summary>
    /// Attaches to the pool as it is made: the broker takes the jobs this host puts (through the queue's forwarder) and
    /// feeds this host's processes from the shared queue (through the session's dispatcher).
    /// </summary>
    IPoolBrokerSession Attach<TJob, TResult>(PoolQueue<TJob, TResult> queue, MpmsOptions options);
}
