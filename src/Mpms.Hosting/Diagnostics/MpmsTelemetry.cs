using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mpms.Hosting.Diagnostics;

/// <summary>
/// The pool's metrics and traces in the application: one <see cref="Meter"/> and one <see cref="ActivitySource"/>,
/// both named <c>Mpms.Hosting</c>, readable by <c>dotnet-counters</c> and any OpenTelemetry exporter with no extra
/// code. Every measurement carries the <c>mpms.pool</c> tag. A worker process has its own instruments under the same
/// meter name (<see cref="WorkerTelemetry"/>), so one <c>AddMeter("Mpms.Hosting")</c> covers both roles.
/// </summary>
internal sealed class MpmsTelemetry : IDisposable
{
    public const string Name = "Mpms.Hosting";

    /// <summary>Gets the version the meter and the activity source carry: the library's.</summary>
    internal static readonly string? Version = typeof(MpmsTelemetry).Assembly.GetName().Version?.ToString();

    private readonly Meter _meter;
    private readonly Counter<long> _enqueued;
    private readonly Counter<long> _completed;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _queueTime;
    private readonly Counter<long> _restarts;
    private readonly Lock _lock = new();
    private IPoolStatus[] _pools = []; // replaced whole under _lock, read without it

    public MpmsTelemetry(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(Name, Version) ?? new Meter(Name, Version);
        _enqueued = _meter.CreateCounter<long>("mpms.jobs.enqueued", "{job}", "Jobs accepted by the queue.");
        _completed = _meter.CreateCounter<long>("mpms.jobs.completed", "{job}", "Jobs that got their outcome, by outcome (mpms.job.outcome).");
        _duration = _meter.CreateHistogram<double>("mpms.job.duration", "s", "How long jobs ran in a worker thread.");
        _queueTime = _meter.CreateHistogram<double>("mpms.job.queue_time", "s", "How long jobs waited between being accepted and starting.");
        _restarts = _meter.CreateCounter<long>("mpms.process.restarts", "{process}", "Worker processes that ended and were replaced, by why they ended (mpms.process.exit_reason).");
        _meter.CreateObservableUpDownCounter("mpms.queue.length", () => Observe(s => s.Queued), "{job}", "Jobs waiting in the queue.");
        _meter.CreateObservableUpDownCounter("mpms.jobs.running", () => Observe(s => s.Running), "{job}", "Jobs started in worker processes and not finished.");
        _meter.CreateObservableUpDownCounter("mpms.processes.alive", () => Observe(s => s.ProcessesAlive), "{process}", "Worker processes running.");
    }

    public static ActivitySource Tracing { get; } = new(Name, Version);

    public void Register(IPoolStatus pool)
    {
        lock (_lock)
        {
            _pools = [.. _pools, pool];
        }
    }

    public void Unregister(IPoolStatus pool)
    {
        lock (_lock)
        {
            _pools = [.. _pools.Where(p => p != pool)];
        }
    }

    public void JobEnqueued(in KeyValuePair<string, object?> pool) => _enqueued.Add(1, pool);

    public void JobCompleted(in KeyValuePair<string, object?> pool, MpmsJobStatus status, DateTimeOffset enqueuedAt, DateTimeOffset? startedAt, DateTimeOffset finishedAt)
    {
        _completed.Add(1, pool, new KeyValuePair<string, object?>("mpms.job.outcome", OutcomeTag(status)));
        if (startedAt is DateTimeOffset started)
        {
            if (_duration.Enabled)
            {
                _duration.Record(Math.Max(0, (finishedAt - started).TotalSeconds), pool);
            }

            if (_queueTime.Enabled)
            {
                _queueTime.Record(Math.Max(0, (started - enqueuedAt).TotalSeconds), pool);
            }
        }
    }

    public void ProcessRestarted(in KeyValuePair<string, object?> pool, MpmsProcessExitReason reason) =>
        _restarts.Add(1, pool, new KeyValuePair<string, object?>("mpms.process.exit_reason", ReasonTag(reason)));

    public void Dispose() => _meter.Dispose();

    internal static string OutcomeTag(MpmsJobStatus status) => status switch
    {
        MpmsJobStatus.Succeeded => "succeeded",
        MpmsJobStatus.Failed => "failed",
        MpmsJobStatus.TimedOut => "timed_out",
        MpmsJobStatus.WorkerLost => "worker_lost",
        MpmsJobStatus.Canceled => "canceled",
        _ => "unknown",
    };

    internal static string ReasonTag(MpmsProcessExitReason reason) => reason switch
    {
        MpmsProcessExitReason.Exited => "exited",
        MpmsProcessExitReason.Signaled => "signaled",
        MpmsProcessExitReason.StartFailed => "start_failed",
        MpmsProcessExitReason.Recycled => "recycled",
        MpmsProcessExitReason.GracefulDie => "graceful_die",
        MpmsProcessExitReason.JobTimeout => "job_timeout",
        MpmsProcessExitReason.HeartbeatTimeout => "heartbeat_timeout",
        MpmsProcessExitReason.MemoryLimit => "memory_limit",
        MpmsProcessExitReason.LinkLost => "link_lost",
        MpmsProcessExitReason.Killed => "killed",
        MpmsProcessExitReason.Shutdown => "shutdown",
        MpmsProcessExitReason.Terminated => "terminated",
        _ => "unknown",
    };

    private IEnumerable<Measurement<long>> Observe(Func<MpmsPoolStats, long> value)
    {
        foreach (IPoolStatus pool in Volatile.Read(ref _pools))
        {
            yield return new Measurement<long>(value(pool.GetStats()), new KeyValuePair<string, object?>("mpms.pool", pool.PoolName));
        }
    }
}

/// <summary>What metrics and health checks read of a pool.</summary>
internal interface IPoolStatus
{
    string PoolName { get; }

    int ConfiguredProcesses { get; }

    MpmsPoolStats GetStats();
}
