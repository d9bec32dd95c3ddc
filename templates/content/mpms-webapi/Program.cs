// A Web API whose jobs run in a supervised pool of worker processes, each with several worker threads. The worker
// processes are this application started again: in them the pool's worker runs before Kestrel would start, so they
// never listen on the application's port.
using MpmsWebApi;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Services.AddControllers();
builder.Services.AddMpms<TextStatsWorker>();           // options: the "Mpms" section of appsettings.json
builder.Services.AddHealthChecks().AddMpms();          // Healthy when every worker process is ready

WebApplication app = builder.Build();
app.MapControllers();
app.MapHealthChecks("/health");
app.Run();
