using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

/// <summary>The last exits of a pool's processes, the evidence its dashboard shows of why it restarts.</summary>
public sealed class ProcessExitHistoryTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Newest_ProcessKilledBySignal_TellsReasonSignalUptimeAndWhen()
    {
        var history = new ProcessExitHistory(_clock);
        var process = new ProcessLifecycle("pool", 3, 4242, _clock.GetTimestamp(), _clock);
        process.OnReady();
        process.OnThreadReady();
        _clock.Advance(TimeSpan.FromSeconds(90));

        history.Record(process, process.OnExited(128 + 9, linkBroken: false));

        MpmsProcessExitInfo exit = Assert.Single(history.Newest());
        Assert.Equal(("mpms-pool-p3", 4242, MpmsProcessExitReason.Signaled, 137, 9, false), (exit.Name, exit.ProcessId, exit.Reason, exit.ExitCode, exit.Signal, exit.WasStartFailure));
        Assert.Contains("SIGKILL", exit.Description, StringComparison.Ordinal);
        Assert.Equal((TimeSpan.FromSeconds(90), _clock.GetUtcNow()), (exit.Uptime, exit.ExitedAt));
    }

    [Fact]
    public void Newest_MoreExitsThanItHolds_KeepsTheLatestNewestFirst()
    {
        var history = new ProcessExitHistory(_clock);
        for (int number = 1; number <= ProcessExitHistory.Capacity + 3; number++)
        {
            var process = new ProcessLifecycle("pool", number, 1000 + number, _clock.GetTimestamp(), _clock);
            history.Record(process, process.OnExited(1, linkBroken: false));
        }

        MpmsProcessExitInfo[] exits = history.Newest();

        Assert.Equal(ProcessExitHistory.Capacity, exits.Length);
        Assert.Equal(1000 + ProcessExitHistory.Capacity + 3, exits[0].ProcessId);
        Assert.Equal(1004, exits[^1].ProcessId);
        Assert.All(exits, e => Assert.True(e.WasStartFailure));
    }
}
