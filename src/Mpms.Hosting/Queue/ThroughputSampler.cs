namespace Mpms.Hosting.Queue;

/// <summary>
/// Samples a pool's counters every <see cref="Interval"/> and keeps the last <see cref="Capacity"/> samples (10 minutes):
/// how many jobs finished and failed in each interval, and the queue's depth at its end. It reads the counters the
/// ledger keeps anyway, on a timer of its own, so the job path pays nothing for it.
/// </summary>
internal sealed class ThroughputSampler : IDisposable
{
    /// <summary>How long one sample covers.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>How many samples are kept: 10 minutes of them.</summary>
    public const int Capacity = 120;

    private readonly Func<MpmsPoolStats> _read;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<MpmsThroughputSample> _samples = new(Capacity);
    private ITimer? _timer;

    // The counters at the end of the last interval: each sample is the difference to them.
    private long _lastFinished;
    private long _lastFailed;

    public ThroughputSampler(Func<MpmsPoolStats> read, TimeProvider time)
    {
        _read = read;
        _time = time;
    }

    /// <summary>Starts sampling; the first sample is taken one interval from now.</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_timer is not null)
            {
                return;
            }

            (_lastFinished, _lastFailed) = Totals(_read());
            _timer = _time.CreateTimer(static state => ((ThroughputSampler)state!).Sample(), this, Interval, Interval);
        }
    }

    /// <summary>Takes one sample now (the timer calls it every interval).</summary>
    public void Sample()
    {
        lock (_lock)
        {
            // Read under the lock, so that two samples never take the same difference twice.
            MpmsPoolStats stats = _read();
            (long finished, long failed) = Totals(stats);
            var sample = new MpmsThroughputSample
            {
                At = _time.GetUtcNow(),
                Finished = finished - _lastFinished,
                Failed = failed - _lastFailed,
                Queued = stats.Queued,
                Running = stats.Running,
            };
            _lastFinished = finished;
            _lastFailed = failed;
            if (_samples.Count == Capacity)
            {
                _samples.Dequeue();
            }

            _samples.Enqueue(sample);
        }
    }

    /// <summary>The samples kept, oldest first.</summary>
    public MpmsThroughputSample[] Samples()
    {
        lock (_lock)
        {
            return [.. _samples];
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _timer?.Dispose();
        }
    }

    private static (long Finished, long Failed) Totals(MpmsPoolStats stats) =>
        (stats.Finished, stats.Failed + stats.TimedOut + stats.WorkerLost);
}
