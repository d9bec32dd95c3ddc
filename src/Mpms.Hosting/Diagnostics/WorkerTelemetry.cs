using System.Diagnostics.Metrics;

namespace Mpms.Hosting.Diagnostics;

/// <summary>
/// The metrics a worker process records about the jobs its threads ran, under the meter the application uses
/// (<c>Mpms.Hosting</c>): the application counts outcomes as it receives them, a worker counts what it executed, so
/// each worker process's own exporter reports its share (and jobs of a process that died before its result went out).
/// Every measurement carries <c>mpms.pool</c>.
/// </summary>
internal sealed class WorkerTelemetry : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _executed;
    private readonly Histogram<double> _duration;

    public WorkerTelemetry(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MpmsTelemetry.Name, MpmsTelemetry.Version) ?? new Meter(MpmsTelemetry.Name, MpmsTelemetry.Version);
        _executed = _meter.CreateCounter<long>("mpms.worker.jobs.executed", "{job}", "Jobs a worker process ran to an end, by how they ended (mpms.job.outcome).");
        _duration = _meter.CreateHistogram<double>("mpms.worker.job.duration", "s", "How long jobs ran on a worker thread, measured in the worker process.");
    }

    /// <summary>Records one job that ran to an end on a worker thread.</summary>
    public void JobExecuted(in KeyValuePair<string, object?> pool, MpmsJobStatus status, TimeSpan duration)
    {
        _executed.Add(1, pool, new KeyValuePair<string, object?>("mpms.job.outcome", MpmsTelemetry.OutcomeTag(status)));
        if (_duration.Enabled)
        {
            _duration.Record(Math.Max(0, duration.TotalSeconds), pool);
        }
    }

    public void Dispose() => _meter.Dispose();
}
