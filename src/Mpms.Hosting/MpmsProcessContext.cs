namespace Mpms.Hosting;

/// <summary>Describes the worker process that an initializer, finalizer or job runs in.</summary>
public sealed class MpmsProcessContext
{
    internal MpmsProcessContext(string poolName, int processNumber, IServiceProvider services)
    {
        PoolName = poolName;
        ProcessNumber = processNumber;
        ProcessName = MpmsNames.Process(poolName, processNumber);
        ProcessId = Environment.ProcessId;
        Services = services;
    }

    /// <summary>Gets the name of the pool (by default the worker type's name).</summary>
    public string PoolName { get; }

    /// <summary>Gets the process's number in its pool: 1 for the first process started, increasing with every replacement.</summary>
    public int ProcessNumber { get; }

    /// <summary>Gets the process's name, <c>mpms-&lt;pool&gt;-p&lt;number&gt;</c>.</summary>
    public string ProcessName { get; }

    /// <summary>Gets the operating-system id of the worker process.</summary>
    public int ProcessId { get; }

    /// <summary>Gets the worker process's root service provider.</summary>
    public IServiceProvider Services { get; }

    /// <inheritdoc />
    public override string ToString() => ProcessName;
}
