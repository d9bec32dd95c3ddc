using System.Globalization;
using System.Text.Json;
using Mpms.Hosting.Tests.Infrastructure;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// OpenTelemetry in an application and its worker processes (tests/Mpms.Hosting.TestTelemetryApp): the standard
/// packages with in-memory exporters, <c>RunOpenTelemetryInWorkers</c>, and a hosted service chosen to run in the
/// workers that writes what each process's exporters hold to a file when it stops.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class OpenTelemetryTests
{
    private const int Jobs = 9;

    [Fact]
    public async Task RunOpenTelemetryInWorkers_WorkersExportJobSpansUnderThePublishSpans_AndTheirJobMetrics()
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("mpms-otel-");
        try
        {
            int appProcessId;
            await using (AppUnderTest app = AppUnderTest.Start(
                "Mpms.Hosting.TestTelemetryApp",
                $"--Telemetry:Directory={directory.FullName}",
                $"--Telemetry:Jobs={Jobs}",
                $"--Mpms:SocketDirectory={directory.FullName}"))
            {
                appProcessId = app.ProcessId;
                int exitCode = await app.WaitForExitAsync();
                Assert.True(exitCode == 0, $"The app exited with {exitCode}.{Environment.NewLine}{app.Output}");
            }

            TelemetryFile application = Read(Path.Combine(directory.FullName, $"application-{appProcessId}.json"));
            TelemetryFile[] workers = [.. directory.GetFiles("worker-*.json").Select(f => Read(f.FullName))];

            // Each of the two worker processes stopped its chosen hosted services and dumped what it exported.
            Assert.Equal(2, workers.Length);
            Assert.All(workers, w =>
            {
                Assert.Equal(("worker", "EchoWorker"), (w.Role, w.Pool));
                Assert.NotEqual(appProcessId, w.ProcessId);
                Assert.True(ProcessProbe.HasEnded(w.ProcessId), $"Worker process {w.ProcessId} is still running.");
            });

            // One publish span per job in the application, each in a trace of its own.
            Dictionary<string, SpanRecord> published = application.Spans
                .Where(s => s.Source == "Mpms.Hosting" && s.Kind == "Producer")
                .ToDictionary(s => s.JobId!);
            Assert.Equal(Jobs, published.Count);
            Assert.Equal(Jobs, published.Values.Select(s => s.TraceId).Distinct().Count());

            // Every job's span was exported by the worker process that ran it, as a child of the job's publish span.
            SpanRecord[] processed = [.. workers.SelectMany(w => w.Spans).Where(s => s.Source == "Mpms.Hosting")];
            Assert.Equal(Jobs, processed.Length);
            Assert.All(processed, span =>
            {
                Assert.Equal(("EchoWorker process", "Consumer"), (span.Name, span.Kind));
                Assert.True(published.TryGetValue(span.JobId ?? "", out SpanRecord? publish), $"No publish span for job {span.JobId}.");
                Assert.Equal(publish.TraceId, span.TraceId);
                Assert.Equal(publish.SpanId, span.ParentSpanId);
            });
            Assert.Equal(Jobs, processed.Select(s => s.JobId).Distinct().Count());

            // The workers' own instruments were exported by the workers: every job counted once, as succeeded.
            Assert.Equal(Jobs, workers.Sum(w => Points(w, "mpms.worker.jobs.executed").Where(p => p.Tags["mpms.job.outcome"] == "succeeded").Sum(p => p.Value)));
            Assert.Equal(Jobs, workers.Sum(w => Points(w, "mpms.worker.job.duration").Sum(p => p.Count ?? 0)));
            Assert.All(workers.SelectMany(w => Points(w, "mpms.worker.jobs.executed")), p => Assert.Equal("EchoWorker", p.Tags["mpms.pool"]));
            Assert.Empty(Points(application, "mpms.worker.jobs.executed"));

            // A hosted service no pool chose started in the application only.
            string[] starts = [.. directory.GetFiles("started-*.txt").Select(f => f.Name)];
            Assert.Equal([$"started-{appProcessId.ToString(CultureInfo.InvariantCulture)}.txt"], starts);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static TelemetryFile Read(string path) =>
        JsonSerializer.Deserialize<TelemetryFile>(File.ReadAllText(path)) ?? throw new InvalidOperationException($"{path} holds null.");

    private static IEnumerable<PointRecord> Points(TelemetryFile file, string instrument) =>
        file.Metrics.Where(m => m.Meter == "Mpms.Hosting" && m.Name == instrument).SelectMany(m => m.Points);

    // What the app writes (its own types, read here by shape: the test does not reference the app).
    private sealed record TelemetryFile(string Role, int ProcessId, string? Pool, SpanRecord[] Spans, MetricRecord[] Metrics);

    private sealed record SpanRecord(string Source, string Name, string Kind, string TraceId, string SpanId, string? ParentSpanId, string? JobId);

    private sealed record MetricRecord(string Meter, string Name, PointRecord[] Points);

    private sealed record PointRecord(Dictionary<string, string?> Tags, double Value, long? Count);
}
