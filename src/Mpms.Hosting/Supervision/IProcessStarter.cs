namespace Mpms.Hosting.Supervision;

/// <summary>
/// How a pool starts its worker processes: as operating-system processes that connect to its socket
/// (<see cref="OsProcessStarter"/>), or inside the application over in-memory links (the in-process mode, wired by the
/// hosting room, which alone may use the worker runtime). Everything else of the supervision is the same for both.
/// </summary>
internal interface IProcessStarter : IAsyncDisposable
{
    /// <summary>Gets what the pool starts, for its log: the program, or a word for the in-process mode.</summary>
    string Program { get; }

    /// <summary>
    /// Gets the pool's private directory (mode 0700), where each process's start marks are kept; valid from
    /// <see cref="Open"/> to the starter's disposal.
    /// </summary>
    string PrivateDirectory { get; }

    /// <summary>Opens what the processes connect to; called once, before the first <see cref="Start"/>.</summary>
    void Open();

    /// <summary>Starts worker process number <paramref name="number"/>.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program could not be started.</exception>
    /// <exception cref="InvalidOperationException">The process could not be started.</exception>
    /// <exception cref="IOException">The process could not be started.</exception>
    StartedProcess Start(int number);
}

/// <summary>A worker process just started, and the connection expected from it.</summary>
/// <param name="Process">The process.</param>
/// <param name="Connected">Completes with its link once it proved itself; canceled once <paramref name="Forget"/> was called first.</param>
/// <param name="Forget">Stops expecting its connection: called once its run ends, connected or not.</param>
internal sealed record StartedProcess(IWorkerProcess Process, Task<WorkerConnection> Connected, Action Forget);
