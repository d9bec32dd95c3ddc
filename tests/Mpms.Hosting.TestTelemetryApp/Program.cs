using System.Diagnostics;
using Microsoft.Extensions.Options;
using Mpms.Hosting;
using Mpms.Hosting.TestTelemetryApp;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

// An application that uses OpenTelemetry with Mpms.Hosting as docs/operations.md shows: tracing and metrics with the
// library's sources, and RunOpenTelemetryInWorkers so that its worker processes (this same program started again)
// build and flush their own providers. The exporters are in-memory; TelemetryDump, chosen to run in the workers too,
// writes what they hold to the directory the test gives (--Telemetry:Directory). StartMarker is chosen for no pool.
// The application runs its jobs, each in a trace of its own, then stops and exits.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});

var exported = new ExportedTelemetry();
builder.Services.AddSingleton(exported);
builder.Services.Configure<TelemetryAppOptions>(builder.Configuration.GetSection("Telemetry"));
builder.Services.AddOpenTelemetry()
    .WithTracing(tracing => tracing.AddSource("Mpms.Hosting", AppTraces.Name).AddInMemoryExporter(exported.Spans))
    .WithMetrics(metrics => metrics.AddMeter("Mpms.Hosting").AddInMemoryExporter(exported.Metrics));
builder.Services.AddHostedService<StartMarker>();
builder.Services.AddHostedService<TelemetryDump>();
builder.Services.AddMpms<EchoWorker>()
    .RunOpenTelemetryInWorkers()
    .RunInWorkers<TelemetryDump>();

using IHost host = builder.Build();

// In a worker process the worker runtime takes over here and ends the process: nothing below runs there.
await host.StartAsync();

var queue = host.Services.GetRequiredService<IMpmsQueue<EchoJob, EchoResult>>();
int jobs = host.Services.GetRequiredService<IOptions<TelemetryAppOptions>>().Value.Jobs;
EchoResult[] results = await Task.WhenAll(Enumerable.Range(0, jobs).Select(async i =>
{
    using Activity? request = AppTraces.Source.StartActivity("request");
    return await queue.RunAsync(new EchoJob(i));
}));
Console.WriteLine($"ran {results.Length} jobs in processes {string.Join(",", results.Select(r => r.ProcessId).Distinct())}");

await host.StopAsync();
Console.WriteLine("stopped");

/// <summary>The application's own activities: one per job, the parent of the job's publish span.</summary>
internal static class AppTraces
{
    public const string Name = "Mpms.Hosting.TestTelemetryApp";

    public static ActivitySource Source { get; } = new(Name);
}
