using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Worker;

/// <summary>
/// What the worker runtime takes from the process it runs in: the clock, the connection to the application, and the
/// process-wide duties (its name, its signals, the parent watchdog, ending the process when the link is lost). A test
/// replaces them to run a worker inside its own process over an in-memory link.
/// </summary>
internal sealed class WorkerProcessSeams
{
    /// <summary>Gets the seams of a real worker process.</summary>
    public static WorkerProcessSeams Default { get; } = new();

    /// <summary>Gets the clock that every timeout, deadline, heartbeat and timestamp of the worker reads.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Gets how the worker connects to the application: by default, to the pool's Unix domain socket.</summary>
    public Func<WorkerStartup, CancellationToken, Task<ILinkTransport>> Connect { get; init; } = ConnectSocketAsync;

    /// <summary>Gets what ends the process when its link is lost; never returns in a real worker.</summary>
    public Action<int> ExitProcess { get; init; } = Environment.Exit;

    /// <summary>
    /// Gets a value indicating whether the worker owns its process: it names it, takes SIGINT and SIGTERM over, and
    /// watches its parent. A worker run inside a test's process must not.
    /// </summary>
    public bool OwnsProcess { get; init; } = true;

    private static async Task<ILinkTransport> ConnectSocketAsync(WorkerStartup startup, CancellationToken cancellationToken) =>
        await SocketTransport.ConnectAsync(startup.Endpoint, cancellationToken).ConfigureAwait(false);
}
