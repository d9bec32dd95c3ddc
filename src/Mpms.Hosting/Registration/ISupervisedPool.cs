using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Registration;

/// <summary>A pool seen from inside the library, whatever its types: its supervisor (tests and benchmarks watch it).</summary>
internal interface ISupervisedPool
{
    PoolSupervisor Supervisor { get; }
}
