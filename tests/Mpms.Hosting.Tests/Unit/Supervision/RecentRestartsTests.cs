using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class RecentRestartsTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Count_NoRestart_IsZero()
    {
        var restarts = new RecentRestarts(Window, _clock);

        Assert.Equal(0, restarts.Count());
    }

    [Fact]
    public void Count_RestartsSpreadOverTime_CountsOnlyThoseWithinTheWindow()
    {
        var restarts = new RecentRestarts(Window, _clock);
        restarts.Record();
        _clock.Advance(TimeSpan.FromSeconds(40));
        restarts.Record();
        restarts.Record();

        Assert.Equal(3, restarts.Count());

        // The first is exactly a window old: still in it.
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(3, restarts.Count());

        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, restarts.Count());

        _clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(0, restarts.Count());
    }
}
