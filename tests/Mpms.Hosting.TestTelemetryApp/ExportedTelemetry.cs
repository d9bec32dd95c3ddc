using System.Diagnostics;
using OpenTelemetry.Metrics;

namespace Mpms.Hosting.TestTelemetryApp;

/// <summary>What the process's in-memory exporters received: the spans as they ended, the metrics at each collection.</summary>
public sealed class ExportedTelemetry
{
    public List<Activity> Spans { get; } = [];

    public List<MetricSnapshot> Metrics { get; } = [];
}

/// <summary>One process's exported telemetry, as the dump writes it.</summary>
public sealed record TelemetryFile(string Role, int ProcessId, string? Pool, IReadOnlyList<SpanRecord> Spans, IReadOnlyList<MetricRecord> Metrics);

/// <summary>One exported span; <see cref="JobId"/> is its <c>mpms.job_id</c> tag.</summary>
public sealed record SpanRecord(string Source, string Name, string Kind, string TraceId, string SpanId, string? ParentSpanId, string? JobId);

/// <summary>An instrument's last collected value, point by point.</summary>
public sealed record MetricRecord(string Meter, string Name, IReadOnlyList<PointRecord> Points);

/// <summary>One metric point: its tags, its sum (or last value), and for a histogram its count.</summary>
public sealed record PointRecord(IReadOnlyDictionary<string, string?> Tags, double Value, long? Count);
