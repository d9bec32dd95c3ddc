using System.Diagnostics;

namespace Mpms.Hosting.Supervision;

/// <summary>Where a pool stands with starting its worker processes.</summary>
internal enum StartFailureState
{
    /// <summary>Processes start; the pool fills up at once.</summary>
    Running,

    /// <summary>The last starts failed: one probe at a time, after a growing back-off.</summary>
    Faulted,

    /// <summary><see cref="MpmsOptions.MaxRestarts"/> starts failed within <see cref="MpmsOptions.RestartWindow"/>: puts are refused; probes go on.</summary>
    Failed,
}

/// <summary>A failed start, as the policy counted it.</summary>
/// <param name="ConsecutiveFailures">The failed starts in a row, this one included.</param>
/// <param name="Delay">How long until the next start is allowed.</param>
/// <param name="FailuresInWindow">The failed starts within <see cref="MpmsOptions.RestartWindow"/>, this one included.</param>
/// <param name="PoolFailed">Whether this failure made the pool fail (it was not failed before).</param>
internal readonly record struct StartFailure(int ConsecutiveFailures, TimeSpan Delay, int FailuresInWindow, bool PoolFailed);

/// <summary>A start that ended a run of failed starts.</summary>
/// <param name="ConsecutiveFailures">How many starts had failed in a row before it.</param>
/// <param name="WasFailed">Whether the pool had failed: it recovers now.</param>
internal readonly record struct StartRecovery(int ConsecutiveFailures, bool WasFailed);

/// <summary>What the policy allows now: start <paramref name="Start"/> processes; when some are held back, look again after <paramref name="Wait"/>.</summary>
internal readonly record struct StartPermit(int Start, TimeSpan Wait);

/// <summary>
/// Decides when processes may be started after failed starts: Running → Faulted → Failed, and back to Running at the
/// first process that starts (Hangfire's background execution is the model). After a failure, one probe at a time,
/// each after <see cref="MpmsOptions.RestartDelay"/> doubled per consecutive failure, capped at
/// <see cref="MpmsOptions.MaxRestartDelay"/>, ±20 % jitter; <see cref="MpmsOptions.MaxRestarts"/> failures within
/// <see cref="MpmsOptions.RestartWindow"/> make the pool fail. A plain object over a clock: the caller serialises calls.
/// </summary>
internal sealed class StartFailurePolicy
{
    private readonly MpmsOptions _options;
    private readonly TimeProvider _clock;
    private readonly Random _random;

    // The clock's timestamps of the failed starts within the window, oldest first; empty while Running.
    private readonly Queue<long> _recentFailures = new();

    // Zero while Running; the failures since the last start that succeeded otherwise.
    private int _consecutiveFailures;

    // The last failure (a timestamp of the clock) and the back-off it set: no probe before it has passed.
    private long _lastFailureAt;
    private TimeSpan _delay;

    // Set when the window filled up; only ever set while _consecutiveFailures > 0.
    private bool _failed;

    public StartFailurePolicy(MpmsOptions options, TimeProvider clock, Random? random = null)
    {
        _options = options;
        _clock = clock;
        _random = random ?? Random.Shared;
    }

    public StartFailureState State =>
        _failed ? StartFailureState.Failed
        : _consecutiveFailures > 0 ? StartFailureState.Faulted
        : StartFailureState.Running;

    public int ConsecutiveFailures => _consecutiveFailures;

    /// <summary>Tells how many of the <paramref name="missing"/> processes may be started now.</summary>
    /// <param name="missing">How many processes the pool lacks.</param>
    /// <param name="probing">Whether a process is starting: while failing, its outcome decides before another starts.</param>
    public StartPermit Allow(int missing, bool probing)
    {
        if (missing <= 0)
        {
            return new StartPermit(0, Timeout.InfiniteTimeSpan);
        }

        if (_consecutiveFailures == 0)
        {
            return new StartPermit(missing, Timeout.InfiniteTimeSpan);
        }

        if (probing)
        {
            return new StartPermit(0, Timeout.InfiniteTimeSpan);
        }

        TimeSpan remaining = _delay - _clock.GetElapsedTime(_lastFailureAt);
        return remaining > TimeSpan.Zero ? new StartPermit(0, remaining) : new StartPermit(1, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Counts a failed start: sets the back-off, and fails the pool when the window holds too many.</summary>
    public StartFailure RecordFailure()
    {
        int failures = ++_consecutiveFailures;
        TimeSpan delay = RestartBackoff.Delay(failures, _options.RestartDelay, _options.MaxRestartDelay, _random);
        long now = _clock.GetTimestamp();
        _lastFailureAt = now;
        _delay = delay;

        _recentFailures.Enqueue(now);
        while (_clock.GetElapsedTime(_recentFailures.Peek(), now) > _options.RestartWindow)
        {
            _recentFailures.Dequeue();
        }

        bool fails = !_failed && _recentFailures.Count >= _options.MaxRestarts;
        _failed |= fails;
        Debug.Assert(!_failed || _consecutiveFailures > 0, "Only failures fail the pool.");
        return new StartFailure(failures, delay, _recentFailures.Count, fails);
    }

    /// <summary>Counts a start that succeeded (a thread of a process got past every initializer).</summary>
    /// <returns>The recovery, when this start ended a run of failures.</returns>
    public StartRecovery? RecordSuccess()
    {
        if (_consecutiveFailures == 0)
        {
            return null;
        }

        var recovery = new StartRecovery(_consecutiveFailures, _failed);
        _consecutiveFailures = 0;
        _failed = false;
        _recentFailures.Clear();
        return recovery;
    }
}
