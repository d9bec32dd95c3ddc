using Mpms.Hosting.Worker;

namespace Mpms.Hosting.Tests.Unit.Worker;

public sealed class IdleTrimTests
{
    [Fact]
    public void OnHeartbeat_IdleForTwoHeartbeats_TrimsOnceUntilTheNextJob()
    {
        var trim = new IdleTrim();

        Assert.False(trim.OnHeartbeat(arrivals: 10, holdsJobs: false)); // jobs arrived since the last look
        Assert.False(trim.OnHeartbeat(arrivals: 10, holdsJobs: false)); // idle for one heartbeat
        Assert.True(trim.OnHeartbeat(arrivals: 10, holdsJobs: false));  // idle for two
        Assert.False(trim.OnHeartbeat(arrivals: 10, holdsJobs: false)); // already trimmed in this idle period
        Assert.False(trim.OnHeartbeat(arrivals: 10, holdsJobs: false));

        Assert.False(trim.OnHeartbeat(arrivals: 11, holdsJobs: false)); // a job came: a new idle period begins
        Assert.False(trim.OnHeartbeat(arrivals: 11, holdsJobs: false));
        Assert.True(trim.OnHeartbeat(arrivals: 11, holdsJobs: false));
    }

    [Fact]
    public void OnHeartbeat_ALongJobRunsWithNoNewArrival_NeverTrims()
    {
        var trim = new IdleTrim();

        for (int heartbeat = 0; heartbeat < 10; heartbeat++)
        {
            Assert.False(trim.OnHeartbeat(arrivals: 1, holdsJobs: true));
        }

        Assert.False(trim.OnHeartbeat(arrivals: 1, holdsJobs: false)); // it ended: idle from here
        Assert.True(trim.OnHeartbeat(arrivals: 1, holdsJobs: false));
    }

    [Fact]
    public void Trim_Called_CollectsEveryGeneration()
    {
        int collectionsBefore = GC.CollectionCount(GC.MaxGeneration);

        IdleTrim.Trim();

        Assert.True(GC.CollectionCount(GC.MaxGeneration) > collectionsBefore);
    }
}
