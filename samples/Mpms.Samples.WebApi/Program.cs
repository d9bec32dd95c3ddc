// A Web API that runs its jobs in a supervised pool of worker processes: inject IMpmsQueue into a controller,
// size the pool in appsettings.json. The worker processes are this same application started again; in them the
// worker runtime takes over before Kestrel starts, so they never listen on the app's port.
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
app.MapHealthChecks("/health");
app.Run();
