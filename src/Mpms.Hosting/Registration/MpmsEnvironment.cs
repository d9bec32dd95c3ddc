using Mpms.Hosting.Protocol;

namespace Mpms.Hosting;

/// <summary>
/// Tells whether the current process is a worker process of a pool. By default a worker process is the application
/// started again, so code before <c>host.Run()</c> in <c>Program.cs</c> runs in workers too: use this to skip work that
/// belongs to the application only (database migrations, warming caches).
/// </summary>
public static class MpmsEnvironment
{
    /// <summary>Gets a value indicating whether this process is a worker process of an Mpms pool.</summary>
    public static bool IsWorkerProcess => StartupVariables.CurrentPool is not null;

    /// <summary>Gets the name of the pool this process is a worker of, or <see langword="null"/> in the application.</summary>
    public static string? WorkerPoolName => StartupVariables.CurrentPool;
}
