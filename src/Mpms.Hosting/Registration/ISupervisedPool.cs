using Mpms.Hosting.Queue;
using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Registration;

/// <summary>A pool seen from inside the library, whatever its types: its supervisor and its queue's gate (tests and benchmarks watch them).</summary>
internal interface ISupervisedPool
{
    PoolSupervisor Supervisor { get; }

    /// <summary>Gets the admission to the pool's queue (its <see cref="QueueGate.Admitted"/> event).</summary>
    QueueGate Gate { get; }
}
