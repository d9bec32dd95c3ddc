using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Queue;

namespace Mpms.Hosting.Tests.Unit.Queue;

public sealed class JobScheduleTests
{
    private readonly CountingTimeProvider _time = new();
    private readonly List<string> _due = [];

    [Fact]
    public void TryAdd_ItemsInAnyOrder_AreHandedOutAtTheirTimeInTimeOrder()
    {
        using var schedule = new JobSchedule<string>(_time, _due.Add);
        DateTimeOffset now = _time.GetUtcNow();

        schedule.TryAdd("c", now.AddSeconds(30));
        schedule.TryAdd("a", now.AddSeconds(10));
        schedule.TryAdd("b", now.AddSeconds(20));
        schedule.TryAdd("b2", now.AddSeconds(20));

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(_due);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["a"], _due);
        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(["a", "b", "b2"], _due);
        Assert.Equal(1, schedule.Count);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["a", "b", "b2", "c"], _due);
        Assert.Equal(0, schedule.Count);
    }

    [Fact]
    public void TryAdd_ManyItems_UseOneTimerForTheWholeSet()
    {
        using var schedule = new JobSchedule<string>(_time, _due.Add);
        DateTimeOffset now = _time.GetUtcNow();

        for (int i = 100; i > 0; i--)
        {
            schedule.TryAdd($"{i}", now.AddSeconds(i));
        }

        _time.Advance(TimeSpan.FromSeconds(100));

        Assert.Equal(Enumerable.Range(1, 100).Select(i => $"{i}"), _due);
        Assert.Equal(1, _time.TimersCreated);
    }

    [Fact]
    public void TryAdd_EarlierItemAfterALaterOne_IsHandedOutAtItsOwnTime()
    {
        using var schedule = new JobSchedule<string>(_time, _due.Add);
        DateTimeOffset now = _time.GetUtcNow();
        schedule.TryAdd("late", now.AddHours(1));

        schedule.TryAdd("early", now.AddSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["early"], _due);
    }

    [Fact]
    public void TryAdd_BeyondWhatOneTimerWaits_IsHandedOutAtItsTime()
    {
        using var schedule = new JobSchedule<string>(_time, _due.Add);
        schedule.TryAdd("in 40 days", _time.GetUtcNow().AddDays(40));

        _time.Advance(TimeSpan.FromDays(39));
        Assert.Empty(_due);
        _time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(["in 40 days"], _due);
    }

    [Fact]
    public void Remove_WaitingItem_IsNeverHandedOut()
    {
        using var schedule = new JobSchedule<string>(_time, _due.Add);
        DateTimeOffset now = _time.GetUtcNow();
        string canceled = new('x', 1);
        schedule.TryAdd(canceled, now.AddSeconds(1));
        schedule.TryAdd("kept", now.AddSeconds(2));

        Assert.True(schedule.Remove(canceled));
        Assert.False(schedule.Remove(canceled));
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(["kept"], _due);
    }

    [Fact]
    public void Close_ReturnsWhatWaitsInTimeOrder_AndTakesNoMore()
    {
        using var schedule = new JobSchedule<string>(_time, _due.Add);
        DateTimeOffset now = _time.GetUtcNow();
        schedule.TryAdd("b", now.AddSeconds(2));
        schedule.TryAdd("a", now.AddSeconds(1));

        Assert.Equal(["a", "b"], schedule.Close());
        Assert.False(schedule.TryAdd("c", now.AddSeconds(1)));
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Empty(_due);
        Assert.Equal(0, schedule.Count);
    }

    /// <summary>A fake clock that counts the timers made on it.</summary>
    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        public int TimersCreated { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            TimersCreated++;
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
