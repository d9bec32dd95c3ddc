// One application, several hosts against one RabbitMQ broker. Every host runs a pool of worker processes that takes
// jobs from the pool's shared queue on the broker while it has free threads; the host started with --Role=Api also
// takes jobs over HTTP and puts them there, and gets every outcome back, whichever host ran the job. Every host serves
// /health and /health/ready for an orchestrator's probes. See README.md ("Scale-out: the distributed sample") and
// docs/scale-out.md.
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Mpms.Hosting.HealthChecks;
using Mpms.Samples.Distributed;
using Serilog;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
HostRole role = builder.Configuration.GetValue("Role", HostRole.Consumer);
builder.Services.AddSerilog((services, logger) => logger.ReadFrom.Configuration(builder.Configuration));
builder.Services.AddMpms<HashWorker>().UseRabbitMq(builder.Configuration.GetSection("Mpms:RabbitMq"));
builder.Services.AddHealthChecks().AddMpms();

WebApplication app = builder.Build();

// Liveness: 503 only when the pool has failed (Unhealthy); Degraded (starting, broker away, queue full) answers 200.
app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteJson });

// Readiness: 200 only when Healthy, that is every worker process ready and the broker connected.
app.MapHealthChecks("/health/ready", new HealthCheckOptions
{
    ResponseWriter = WriteJson,
    ResultStatusCodes =
    {
        [HealthStatus.Healthy] = StatusCodes.Status200OK,
        [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
        [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
    },
});
if (role == HostRole.Api)
{
    app.MapJobEndpoints();
}

app.Run();

static Task WriteJson(HttpContext context, HealthReport report)
{
    context.Response.ContentType = MpmsHealthResponseWriter.ContentType;
    return MpmsHealthResponseWriter.WriteAsync(context.Response.Body, report, context.RequestAborted);
}
