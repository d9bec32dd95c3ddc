using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Mpms.Hosting.TestTelemetryApp;

/// <summary>
/// When its host stops (in a worker process: when the worker runtime stops the hosted services chosen for the pool), it
/// flushes the process's OpenTelemetry providers and writes what the in-memory exporters hold to
/// <c>&lt;Directory&gt;/&lt;role&gt;-&lt;pid&gt;.json</c>: the channel through which a test sees what each process exported.
/// </summary>
public sealed class TelemetryDump(IServiceProvider services, ExportedTelemetry exported, IOptions<TelemetryAppOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Directory is not { Length: > 0 } directory)
        {
            return;
        }

        services.GetService<TracerProvider>()?.ForceFlush();
        services.GetService<MeterProvider>()?.ForceFlush();
        string role = MpmsEnvironment.IsWorkerProcess ? "worker" : "application";
        var file = new TelemetryFile(role, Environment.ProcessId, MpmsEnvironment.WorkerPoolName, Spans(), Metrics());

        // Written aside, then renamed: a reader sees the whole file or none.
        string path = Path.Combine(directory, $"{role}-{Environment.ProcessId}.json");
        await File.WriteAllTextAsync(path + ".tmp", JsonSerializer.Serialize(file), cancellationToken);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private SpanRecord[] Spans()
    {
        lock (exported.Spans)
        {
            return [.. exported.Spans.Select(s => new SpanRecord(
                s.Source.Name,
                s.DisplayName,
                s.Kind.ToString(),
                s.TraceId.ToHexString(),
                s.SpanId.ToHexString(),
                s.ParentSpanId == default ? null : s.ParentSpanId.ToHexString(),
                s.GetTagItem("mpms.job_id")?.ToString()))];
        }
    }

    /// <summary>The last collection of each instrument: with cumulative temporality, its totals.</summary>
    private MetricRecord[] Metrics()
    {
        lock (exported.Metrics)
        {
            return [.. exported.Metrics
                .GroupBy(m => (m.MeterName, m.Name))
                .Select(g => g.Last())
                .Select(m => new MetricRecord(m.MeterName, m.Name, [.. m.MetricPoints.Select(p => Point(m.MetricType, p))]))];
        }
    }

    private static PointRecord Point(MetricType type, MetricPoint point)
    {
        var tags = new Dictionary<string, string?>();
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            tags[tag.Key] = tag.Value?.ToString();
        }

        return type switch
        {
            MetricType.LongSum or MetricType.LongSumNonMonotonic => new PointRecord(tags, point.GetSumLong(), null),
            MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => new PointRecord(tags, point.GetSumDouble(), null),
            MetricType.LongGauge => new PointRecord(tags, point.GetGaugeLastValueLong(), null),
            MetricType.DoubleGauge => new PointRecord(tags, point.GetGaugeLastValueDouble(), null),
            MetricType.Histogram => new PointRecord(tags, point.GetHistogramSum(), point.GetHistogramCount()),
            _ => new PointRecord(tags, double.NaN, null),
        };
    }
}
