using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

/// <summary>What a bulk call refuses at the call, before any job is read.</summary>
public sealed class BulkRunRefusalTests
{
    [Fact]
    public void RunManyAsync_ThroughABroker_ThrowsNotSupportedAtTheCallAndReadsNoJob()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create();
        pool.Puts.Forwarder = new RefusingForwarder();
        int read = 0;
        IEnumerable<EchoJob> Jobs()
        {
            read++;
            yield return new EchoJob("a");
        }

        var ex = Assert.Throws<NotSupportedException>(() => pool.Puts.RunManyAsync(Jobs()));

        Assert.Contains("broker", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, read);
        Assert.Equal(0L, pool.Queue.Gate.Accepted);
    }

    [Fact]
    public void RunManyAsync_BeforeStart_ThrowsNotStarted()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(start: false);

        Assert.Throws<InvalidOperationException>(() => pool.Puts.RunManyAsync([new EchoJob("a")]));
    }

    private sealed class RefusingForwarder : IJobForwarder
    {
        public bool CarriesPriority => false;

        public TimeSpan MaxDelay => TimeSpan.Zero;

        public ValueTask ForwardAsync(IJobLease job, CancellationToken cancellationToken) => throw new InvalidOperationException("not expected");

        public void Forward(IJobLease job) => throw new InvalidOperationException("not expected");

        public void Cancel(IJobLease lease) => throw new InvalidOperationException("not expected");
    }
}
