// The seed's example, on the Generic Host: 2 processes × 3 threads, a process initializer given
// { "DbHost": "localhost" } through options, a thread initializer given the name "Worker", a worker
// returning x * 2, and 10 jobs. With --demo it also shows a collector, ReadResultsAsync and lifecycles.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mpms.Hosting;
using Mpms.Samples.Console;
using Serilog;
using Serilog.Settings.Configuration;

// Configuration comes from the appsettings.json next to the program (the repository's reference configuration).
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
// The sinks' assemblies are named rather than found by scanning the application's files, which a single-file or
// native AOT application does not have.
builder.Services.AddSerilog((services, logger) => logger.ReadFrom.Configuration(
    builder.Configuration,
    new ConfigurationReaderOptions(typeof(ConsoleLoggerConfigurationExtensions).Assembly)));

builder.Services.AddMpms<DoublingWorker>();
builder.Services.Configure<DbOptions>(builder.Configuration.GetSection("Db"));
builder.Services.Configure<ThreadGreetingOptions>(builder.Configuration.GetSection("ThreadGreeting"));
builder.Services.AddSingleton<IProcessInitializer, ProcessInit>();
builder.Services.AddScoped<IThreadInitializer, ThreadInit>();

bool demo = args.Contains("--demo");
if (demo)
{
    Demo.AddDemoPools(builder.Services);
}

using IHost host = builder.Build();
await host.StartAsync();

var queue = host.Services.GetRequiredService<IMpmsQueue<int, int>>();
var pool = host.Services.GetRequiredService<IMpmsPool<int, int>>();

// Like the original's start(), let every process run its initializers before the jobs go in, so that the output
// shows both processes and all six threads (otherwise ten tiny jobs may all be done before the second process is up).
int processes = host.Services.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(nameof(DoublingWorker)).Processes;
while (pool.GetStats().ProcessesReady < processes)
{
    await Task.Delay(10);
}
var handles = new List<MpmsJobHandle<int>>();
for (int x = 0; x < 10; x++)
{
    handles.Add(await queue.PutAsync(x));
}

for (int x = 0; x < handles.Count; x++)
{
    Console.WriteLine($"Result: {x} * 2 = {await handles[x]}");
}

if (demo)
{
    await Demo.RunAsync(host);
}

await host.StopAsync();
Console.WriteLine("Done: every worker process has exited.");
