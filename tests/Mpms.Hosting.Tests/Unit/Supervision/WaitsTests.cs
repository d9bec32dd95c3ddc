using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class WaitsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task CompletesWithinAsync_TaskNeverEnds_IsFalseOnceTheTimeoutPassesOnTheClock()
    {
        var never = new TaskCompletionSource();

        Task<bool> waiting = Waits.CompletesWithinAsync(never.Task, Timeout, _clock);
        _clock.Advance(Timeout - TimeSpan.FromTicks(1));
        Assert.False(waiting.IsCompleted);
        _clock.Advance(TimeSpan.FromTicks(1));

        Assert.False(await waiting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task CompletesWithinAsync_TaskFaultsInTime_IsTrueWithoutThrowing()
    {
        var failing = new TaskCompletionSource();

        Task<bool> waiting = Waits.CompletesWithinAsync(failing.Task, Timeout, _clock);
        failing.SetException(new IOException("gone"));

        Assert.True(await waiting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task CompletesBeforeAsync_DeadlinePasses_IsFalse()
    {
        var never = new TaskCompletionSource();
        using var deadline = new CancellationTokenSource();

        Task<bool> waiting = Waits.CompletesBeforeAsync(never.Task, deadline.Token);
        Assert.False(waiting.IsCompleted);
        await deadline.CancelAsync();

        Assert.False(await waiting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task CompletesBeforeAsync_TaskDoneAndDeadlinePassed_IsTrue() =>
        Assert.True(await Waits.CompletesBeforeAsync(Task.CompletedTask, new CancellationToken(canceled: true)));
}
