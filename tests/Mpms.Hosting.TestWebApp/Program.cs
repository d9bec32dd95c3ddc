using Mpms.Hosting;
using Mpms.Hosting.TestWebApp;

// A small ASP.NET Core app that uses Mpms.Hosting as the design describes: AddMpms with the default worker command,
// so its worker processes are this same program started again. The integration tests start it as a real process and
// check that in a worker nothing of the web app starts (no Kestrel listener, no background service).
WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,

    // appsettings.json sits next to the program; the app must find it whatever directory it is started from.
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Services.AddMpms<WhoAmIWorker>();
builder.Services.Configure<MarkerOptions>(builder.Configuration.GetSection("TestWebApp"));
builder.Services.AddSingleton<MarkerService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<MarkerService>());

WebApplication app = builder.Build();

// Runs a job through the routing queue: the job's type picks the pool and the result type.
app.MapGet("/jobs/routed", async (IMpmsQueue queue, CancellationToken ct) =>
{
    WhoAmIResult result = await queue.RunAsync(new WhoAmIJob("routed"), ct);
    return new JobAnswer(Environment.ProcessId, result.ProcessId, result.ThreadName, "IMpmsQueue");
});

// Runs a job through the pool's own typed queue.
app.MapGet("/jobs/typed", async (IMpmsQueue<WhoAmIJob, WhoAmIResult> queue, CancellationToken ct) =>
{
    WhoAmIResult result = await queue.RunAsync(new WhoAmIJob("typed"), ct);
    return new JobAnswer(Environment.ProcessId, result.ProcessId, result.ThreadName, "IMpmsQueue<WhoAmIJob, WhoAmIResult>");
});

// Answers once the background service has written its mark, with the id of the process that wrote it.
app.MapGet("/marker", async (MarkerService marker, CancellationToken ct) => new { ProcessId = await marker.Written.WaitAsync(ct) });

app.Run();
