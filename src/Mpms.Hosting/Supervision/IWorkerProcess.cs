namespace Mpms.Hosting.Supervision;

/// <summary>
/// One worker process as its runner sees it: an operating-system process (<see cref="WorkerProcess"/>), or one that
/// runs inside the application for tests and debugging. Either is started by an <see cref="IProcessStarter"/>.
/// </summary>
internal interface IWorkerProcess : IDisposable
{
    /// <summary>Gets what the pool knows of the process's life.</summary>
    ProcessLifecycle Lifecycle { get; }

    /// <summary>Gets the process's name in its pool (<c>mpms-&lt;pool&gt;-p&lt;n&gt;</c>).</summary>
    string Name { get; }

    /// <summary>Gets the id of the operating-system process it runs in.</summary>
    int ProcessId { get; }

    /// <summary>Gets a value indicating whether it runs inside the application's own process: there is nothing to dump or to signal.</summary>
    bool IsInApplication { get; }

    /// <summary>Waits until the process has ended; a killed one ends at once.</summary>
    Task WaitForExitAsync();

    /// <summary>Ends the process at once, noting why; this reason replaces any reason given before (a drain it outlived).</summary>
    void Kill(MpmsProcessExitReason reason);

    /// <summary>Tells how the process ended; call after it has.</summary>
    ProcessExit DescribeExit(bool linkBroken);
}
