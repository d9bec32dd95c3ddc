using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

/// <summary>What the queue tells of itself for health: its capacity, when it was last full, how long its head has waited.</summary>
public sealed class PoolQueueSnapshotTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public void Snapshot_JobsWaiting_ReportsCapacityAndHowLongTheHeadHasWaited()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 5, time: _time);
        Assert.Null(pool.GetStats().OldestQueuedJobAge);

        Assert.True(pool.TryPut(new EchoJob("a"), out _));
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(pool.TryPut(new EchoJob("b"), out _));
        _time.Advance(TimeSpan.FromSeconds(3));

        MpmsPoolStats stats = pool.GetStats();
        Assert.Equal((5, TimeSpan.FromSeconds(7), (TimeSpan?)null), (stats.QueueCapacity, stats.OldestQueuedJobAge, stats.TimeSinceQueueFull));
    }

    [Fact]
    public async Task Snapshot_PutWaitedForAPlace_CountsAsFullFromWhenItFoundNone()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(o => o.QueueCapacity = 1, time: _time);
        await pool.PutAsync(new EchoJob("a"));
        ValueTask<MpmsJobHandle<string>> waiting = pool.PutAsync(new EchoJob("b"));
        Assert.False(waiting.IsCompleted);
        Assert.Equal(TimeSpan.Zero, pool.GetStats().TimeSinceQueueFull);

        // The first job leaves, the waiting put takes its place: still full. Then that one leaves too.
        _time.Advance(TimeSpan.FromSeconds(2));
        await pool.SendNextAsync();
        await waiting.AsTask().WaitAsync(Wire.HangGuard);
        Assert.Equal(TimeSpan.Zero, pool.GetStats().TimeSinceQueueFull);
        await pool.SendNextAsync();

        Assert.Equal(TimeSpan.FromSeconds(2), pool.GetStats().TimeSinceQueueFull);
    }

    [Fact]
    public void Snapshot_OnlyACanceledEntryLeftInTheLine_HasNoOldestJob()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(time: _time);
        Assert.True(pool.TryPut(new EchoJob("a"), out MpmsJobHandle<string>? handle));
        _time.Advance(TimeSpan.FromSeconds(5));

        // Canceled while it waited: its entry stays in the line until a link takes from it, but no job waits.
        handle!.Cancel();

        MpmsPoolStats stats = pool.GetStats();
        Assert.Equal((0L, (TimeSpan?)null), (stats.Queued, stats.OldestQueuedJobAge));
    }
}
