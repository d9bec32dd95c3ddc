using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class WakeSignalTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task WaitAsync_NoSet_EndsWhenTheTimeoutPassesOnTheClock()
    {
        var wake = new WakeSignal(_clock);

        Task waiting = wake.WaitAsync(Timeout, CancellationToken.None);
        _clock.Advance(Timeout - TimeSpan.FromTicks(1));
        Assert.False(waiting.IsCompleted);
        _clock.Advance(TimeSpan.FromTicks(1));

        await waiting.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task WaitAsync_SetWhileWaiting_EndsWithoutTheClock()
    {
        var wake = new WakeSignal(_clock);
        Task waiting = wake.WaitAsync(Timeout, CancellationToken.None);

        wake.Set();

        await waiting.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task WaitAsync_SetBeforeIt_EndsAtOnce_AndTheSetIsUsedUp()
    {
        var wake = new WakeSignal(_clock);
        wake.Set();
        wake.Set();

        Task first = wake.WaitAsync(Timeout, CancellationToken.None);
        Task second = wake.WaitAsync(Timeout, CancellationToken.None);

        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(second.IsCompleted);
        _clock.Advance(Timeout);
        await second.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task WaitAsync_Canceled_EndsWithoutThrowing()
    {
        var wake = new WakeSignal(_clock);
        using var cancel = new CancellationTokenSource();
        Task waiting = wake.WaitAsync(System.Threading.Timeout.InfiniteTimeSpan, cancel.Token);

        await cancel.CancelAsync();

        await waiting.WaitAsync(Wire.HangGuard);
        Assert.True(waiting.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitAsync_TimedOut_ASetMadeMeanwhileIsNotLostForTheNextWait()
    {
        var wake = new WakeSignal(_clock);
        Task first = wake.WaitAsync(Timeout, CancellationToken.None);
        _clock.Advance(Timeout);
        await first.WaitAsync(Wire.HangGuard);

        wake.Set();

        Assert.True(wake.WaitAsync(Timeout, CancellationToken.None).IsCompletedSuccessfully);
    }
}
