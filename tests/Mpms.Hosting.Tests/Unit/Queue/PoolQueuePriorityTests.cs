using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

/// <summary>Among waiting jobs the highest priority runs first, FIFO within one, and waiting raises a job's priority.</summary>
public sealed class PoolQueuePriorityTests
{
    private static readonly TimeSpan Aging = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task TryLease_MixedPriorities_HighestFirstAndFifoWithinAPriority()
    {
        using UnitPool<EchoJob, string> pool = Create();

        await pool.PutAsync(new EchoJob("p0-a"));
        await Put(pool, "p5-a", 5);
        await Put(pool, "p9", 9);
        await pool.PutAsync(new EchoJob("p0-b"));
        await Put(pool, "p5-b", 5);
        await Put(pool, "p0-c", 0);
        await Put(pool, "p1", 1);

        Assert.Equal(["p9", "p5-a", "p5-b", "p1", "p0-a", "p0-b", "p0-c"], await TakeAllAsync(pool, 7));
    }

    [Theory]
    [InlineData(89, "p9")]
    [InlineData(91, "p0")]
    public async Task TryLease_LowPriorityThatWaited_OvertakenOnlyWithinNineAgingIntervals(int waitedSeconds, string first)
    {
        using UnitPool<EchoJob, string> pool = Create();
        await pool.PutAsync(new EchoJob("p0"));
        _time.Advance(TimeSpan.FromSeconds(waitedSeconds));

        await Put(pool, "p9", 9);

        Assert.Equal(first, (await pool.SendNextAsync()).Job.Text);
    }

    [Fact]
    public async Task TryLease_SteadyStreamOfHighPriority_LowestStillRunsAfterItsAgingBound()
    {
        using UnitPool<EchoJob, string> pool = Create();
        await Put(pool, "low", 0);
        var taken = new List<string>();

        // Every second a priority-5 job arrives and one job is taken: the low one ages past the stream after 5 intervals.
        for (int second = 0; second < 60 && !taken.Contains("low"); second++)
        {
            await Put(pool, $"high-{second}", 5);
            _time.Advance(TimeSpan.FromSeconds(1));
            taken.Add((await pool.SendNextAsync()).Job.Text);
        }

        Assert.Equal(51, taken.IndexOf("low"));
    }

    [Fact]
    public async Task TryLease_DelayedJob_AgesFromItsTimeNotFromItsPut()
    {
        using UnitPool<EchoJob, string> pool = Create();
        await pool.PutAsync(new EchoJob("delayed"), new MpmsPutOptions { Delay = TimeSpan.FromSeconds(100) });
        _time.Advance(TimeSpan.FromSeconds(100));

        await Put(pool, "p1", 1);

        Assert.Equal(["p1", "delayed"], await TakeAllAsync(pool, 2));
    }

    [Fact]
    public async Task SendNext_LinkWaitingForAJob_IsWokenByAPriorityJob_AndLaterOnesStillWake()
    {
        using UnitPool<EchoJob, string> pool = Create();
        Task<PendingJob<EchoJob, string>> waiting = pool.SendNextAsync();

        await Put(pool, "p3-a", 3);
        await Put(pool, "p3-b", 3);

        Assert.Equal("p3-a", (await waiting.WaitAsync(Wire.HangGuard)).Job.Text);
        Assert.Equal("p3-b", (await pool.SendNextAsync()).Job.Text);
        Task<PendingJob<EchoJob, string>> next = pool.SendNextAsync();
        Assert.False(next.IsCompleted);
        await Put(pool, "p7", 7);
        Assert.Equal("p7", (await next.WaitAsync(Wire.HangGuard)).Job.Text);
    }

    [Fact]
    public async Task Cancel_WaitingPriorityJob_IsSkipped()
    {
        using UnitPool<EchoJob, string> pool = Create();
        MpmsJobHandle<string> canceled = await pool.PutAsync(new EchoJob("p9"), new MpmsPutOptions { Priority = 9 });
        await pool.PutAsync(new EchoJob("p0"));

        canceled.Cancel();

        Assert.Equal(["p0"], await TakeAllAsync(pool, 1));
        Assert.False(pool.TryLease(out _));
    }

    [Fact]
    public async Task Snapshot_PriorityJobWaiting_CountsItsWaitForTheOldestAge()
    {
        using UnitPool<EchoJob, string> pool = Create();
        await Put(pool, "p4", 4);
        _time.Advance(TimeSpan.FromSeconds(3));
        await pool.PutAsync(new EchoJob("p0"));

        Assert.Equal(TimeSpan.FromSeconds(3), pool.GetStats().OldestQueuedJobAge);
    }

    [Fact]
    public async Task Snapshot_AfterAPriorityJobWasTaken_StillSeesTheDefaultJobsBehindIt()
    {
        using UnitPool<EchoJob, string> pool = Create();
        await pool.PutAsync(new EchoJob("a"));
        await Put(pool, "p5", 5);
        _time.Advance(TimeSpan.FromSeconds(2));
        await pool.PutAsync(new EchoJob("c"));
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["p5", "a"], await TakeAllAsync(pool, 2));

        Assert.Equal(TimeSpan.FromSeconds(5), pool.GetStats().OldestQueuedJobAge);
        Assert.Equal(["c"], await TakeAllAsync(pool, 1));
        Assert.Null(pool.GetStats().OldestQueuedJobAge);
    }

    private UnitPool<EchoJob, string> Create() => Pools.Create(o => { o.PriorityAgingInterval = Aging; o.QueueCapacity = 100; }, time: _time);

    private static ValueTask<MpmsJobHandle<string>> Put(UnitPool<EchoJob, string> pool, string text, int priority) =>
        pool.PutAsync(new EchoJob(text), new MpmsPutOptions { Priority = priority });

    private static async Task<List<string>> TakeAllAsync(UnitPool<EchoJob, string> pool, int count)
    {
        var taken = new List<string>();
        for (int i = 0; i < count; i++)
        {
            taken.Add((await pool.SendNextAsync()).Job.Text);
        }

        return taken;
    }
}
