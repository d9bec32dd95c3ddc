// A Web API that runs its jobs in a supervised pool of worker processes: inject IMpmsQueue into a controller,
// size the pool in appsettings.json. The worker processes are this same application started again; in them the
// worker runtime takes over before Kestrel starts, so they never listen on the app's port.
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Mpms.Hosting.HealthChecks;
using Mpms.Samples.WebApi;
using Serilog;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Services.AddSerilog((services, logger) => logger.ReadFrom.Configuration(builder.Configuration));
builder.Services.AddControllers();
builder.Services.AddMpms<ChecksumWorker>();
builder.Services.AddSingleton<IPayloadSource, RandomPayloadSource>();
builder.Services.AddSingleton<JobStore>();
builder.Services.AddHealthChecks().AddMpms();

WebApplication app = builder.Build();
app.MapControllers();
// Degraded (still 200) while the queue is or was just full (requests get 429) or its head waits too long; the JSON says
// which pool and why, with each pool's counts.
app.MapHealthChecks("/health", new HealthCheckOptions
{
    ResponseWriter = (context, report) =>
    {
        context.Response.ContentType = MpmsHealthResponseWriter.ContentType;
        return MpmsHealthResponseWriter.WriteAsync(context.Response.Body, report, context.RequestAborted);
    },
});
// The live dashboard of the pool: processes, threads, throughput, failures. Local requests only unless told otherwise.
app.MapMpmsDashboard("/mpms");
app.Run();
