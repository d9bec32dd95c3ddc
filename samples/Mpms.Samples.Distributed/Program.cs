// One application, several hosts against one RabbitMQ broker. Every host runs a pool of worker processes that takes
// jobs from the pool's shared queue on the broker while it has free threads; the host started with --Role=Api also
// takes jobs over HTTP and puts them there, and gets every outcome back, whichever host ran the job. Every host serves
// /health (Healthy once its worker processes are ready and it is connected to the broker): the readiness probe of an
// orchestrator. See README.md ("Scale-out: the distributed sample") and docs/scale-out.md.
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Mpms.Hosting.HealthChecks;
using Mpms.Samples.Distributed;
using Serilog;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
HostRole role = builder.Configuration.GetValue("Role", HostRole.Consumer);
builder.Services.AddSerilog((services, logger) => logger.ReadFrom.Configuration(builder.Configuration));
builder.Services.AddMpms<HashWorker>().UseRabbitMq(builder.Configuration.GetSection("Mpms:RabbitMq"));
builder.Services.AddHealthChecks().AddMpms();

WebApplication app = builder.Build();
app.MapHealthChecks("/health", new HealthCheckOptions
{
    ResponseWriter = (context, report) =>
    {
        context.Response.ContentType = MpmsHealthResponseWriter.ContentType;
        return MpmsHealthResponseWriter.WriteAsync(context.Response.Body, report, context.RequestAborted);
    },
});
if (role == HostRole.Api)
{
    app.MapJobEndpoints();
}

app.Run();
