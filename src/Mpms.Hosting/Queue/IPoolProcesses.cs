namespace Mpms.Hosting.Queue;

/// <summary>What the queue needs to know of, and ask from, the supervisor of its processes.</summary>
internal interface IPoolProcesses
{
    int ProcessesAlive { get; }

    int ProcessesReady { get; }

    long Restarts { get; }

    /// <summary>Gets a value indicating whether processes are failing to start right now.</summary>
    bool IsFaulted { get; }

    /// <summary>Completes the queue, waits for the accepted jobs up to <paramref name="timeout"/>, then stops the processes.</summary>
    Task<bool> ShutdownAsync(TimeSpan timeout, CancellationToken cancellationToken);
}
