using Mpms.Hosting.Queue;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>Stands in for the supervisor, so that a pool can be started without worker processes.</summary>
internal sealed class FakePoolProcesses : IPoolProcesses
{
    public int ProcessesAlive { get; set; }

    public int ProcessesReady { get; set; }

    public long Restarts { get; set; }

    public bool IsFaulted { get; set; }

    public List<TimeSpan> ShutdownRequests { get; } = [];

    public Task<bool> ShutdownAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        ShutdownRequests.Add(timeout);
        return Task.FromResult(true);
    }
}
