using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Worker;

/// <summary>
/// One running job's progress on its way to the application: at most one frame per interval, the latest value winning.
/// A value offered within the interval of the last frame waits, replaced by any newer one, until a timer sends it at the
/// interval's end. Made on the job's first report only, so a job that reports nothing costs nothing.
/// </summary>
/// <remarks>
/// Nothing here waits for the link: a frame is appended to the outbox under the lock and written by whoever flushes.
/// </remarks>
internal sealed class ProgressThrottle : IDisposable
{
    private readonly Lock _lock = new();
    private readonly WorkerJob _job;
    private readonly FrameOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;

    // The latest value not sent yet, while _hasPending. Returned to the pool when the job ends (_ended).
    private readonly PooledBufferWriter _pending = new();
    private bool _hasPending;
    private bool _ended;

    // When the last frame was appended (a TimeProvider timestamp), once _sentOnce.
    private bool _sentOnce;
    private long _lastSentAt;

    // Armed while a value waits for the interval's end; made on the first value that has to wait.
    private ITimer? _timer;
    private bool _timerArmed;

    public ProgressThrottle(WorkerJob job, FrameOutbox outbox, TimeProvider time, TimeSpan interval)
    {
        _job = job;
        _outbox = outbox;
        _time = time;
        _interval = interval;
    }

    /// <summary>Offers the serialised <paramref name="value"/>: sent now if the interval since the last frame has passed, else kept as the latest.</summary>
    public void Offer(ReadOnlySpan<byte> value)
    {
        bool sent = false;
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _pending.Clear();
            value.CopyTo(_pending.GetSpan(value.Length));
            _pending.Advance(value.Length);
            _hasPending = true;
            if (_timerArmed)
            {
                return; // the timer sends whatever is latest when it fires
            }

            long now = _time.GetTimestamp();
            TimeSpan since = _sentOnce ? _time.GetElapsedTime(_lastSentAt, now) : _interval;
            if (since >= _interval)
            {
                sent = SendLocked(now);
            }
            else
            {
                ArmLocked(_interval - since);
            }
        }

        if (sent)
        {
            _outbox.Flush();
        }
    }

    /// <summary>
    /// The job ended: the value still waiting is appended now, ahead of the outcome the caller appends next (when
    /// <paramref name="sendPending"/>), and nothing is sent after.
    /// </summary>
    public void End(bool sendPending)
    {
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            if (sendPending && _hasPending)
            {
                SendLocked(_time.GetTimestamp()); // flushed with the outcome
            }

            _hasPending = false;
            _timer?.Dispose();
            _pending.Dispose();
        }
    }

    /// <summary>Ends the job's progress without sending what waits.</summary>
    public void Dispose() => End(sendPending: false);

    private void OnTimer()
    {
        bool sent;
        lock (_lock)
        {
            _timerArmed = false;
            if (_ended || !_hasPending)
            {
                return;
            }

            sent = SendLocked(_time.GetTimestamp());
        }

        if (sent)
        {
            _outbox.Flush();
        }
    }

    private void ArmLocked(TimeSpan due)
    {
        if (_timer is null)
        {
            // The timer must not keep the job's execution context (its activity, its async locals) alive.
            bool suppress = !ExecutionContext.IsFlowSuppressed();
            AsyncFlowControl flow = suppress ? ExecutionContext.SuppressFlow() : default;
            try
            {
                _timer = _time.CreateTimer(static state => ((ProgressThrottle)state!).OnTimer(), this, due, Timeout.InfiniteTimeSpan);
            }
            finally
            {
                if (suppress)
                {
                    flow.Undo();
                }
            }
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }

        _timerArmed = true;
    }

    private bool SendLocked(long now)
    {
        _hasPending = false;

        // A job given its outcome by another path (a cancel, the watchdog) has said its last word.
        if (!_job.IsRunning || !_outbox.Enqueue(new ProgressFrame(_job.Sequence, _pending.WrittenMemory)))
        {
            return false;
        }

        _sentOnce = true;
        _lastSentAt = now;
        _job.Activity?.AddEvent(new System.Diagnostics.ActivityEvent("mpms.progress"));
        return true;
    }
}
