namespace Mpms.Hosting.Supervision;

/// <summary>What a process's runner and link tell the pool that supervises them.</summary>
internal interface IProcessEvents
{
    /// <summary>Something changed (a process connected, became ready, leaves, exited): the pool looks again.</summary>
    void OnChanged();

    /// <summary>A thread of a process got past every initializer: a start succeeded.</summary>
    void OnStarted();

    /// <summary>A process exited and its jobs have their fate; it is no longer the pool's.</summary>
    /// <returns><see langword="false"/> when the pool is stopping: nothing replaces the process.</returns>
    bool OnExited(ProcessRunner runner, ProcessExit exit);
}
