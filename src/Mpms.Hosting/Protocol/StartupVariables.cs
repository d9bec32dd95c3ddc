namespace Mpms.Hosting.Protocol;

/// <summary>
/// The environment variables a worker process is started with: they turn a started copy of the application into a
/// worker of one pool and tell it where to connect. Both sides read these names, so they are part of the link's
/// contract. The worker clears them at once so that processes it starts do not inherit them. The secret is not among
/// them: it comes on standard input (<see cref="StartupSecret"/>).
/// </summary>
internal static class StartupVariables
{
    public const string Pool = "MPMS_WORKER_POOL";
    public const string Endpoint = "MPMS_WORKER_ENDPOINT";
    public const string ProcessNumber = "MPMS_WORKER_PROCESS";
    public const string ParentProcessId = "MPMS_WORKER_PARENT";

    /// <summary>Gets the pool this process is a worker of, or <see langword="null"/> in the application itself.</summary>
    /// <remarks>Read once, when the process starts, before the worker clears the variable.</remarks>
    public static string? CurrentPool { get; } = Environment.GetEnvironmentVariable(Pool);
}
