using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting;
using Mpms.Hosting.TestWorker;

// The worker program of the integration tests: the test process hosts the pool, this program is its WorkerCommand.
// Its behaviour comes from configuration (environment variables TestWorker__*, set through WorkerEnvironment).
//
// With --as-application it is also an application of its own: it hosts a pool of itself (the default worker command),
// runs a few jobs, prints "ready" and waits to be killed; the tests use it to kill an application and watch its
// workers go.
// Worker processes create activities for their jobs when someone listens; this program always listens.
using var listener = new System.Diagnostics.ActivityListener
{
    ShouldListenTo = source => source.Name == "Mpms.Hosting",
    Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
};
System.Diagnostics.ActivitySource.AddActivityListener(listener);

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services.AddMpms<TestWorker>().RunInWorkers<WorkerHostedService>();
builder.Services.Configure<TestBehaviour>(builder.Configuration.GetSection("TestWorker"));
builder.Services.AddSingleton<EventLog>();
builder.Services.AddScoped<ThreadResource>();
builder.Services.AddSingleton<IProcessInitializer, RecordingProcessInitializer>();
builder.Services.AddScoped<IThreadInitializer, RecordingThreadInitializer>();
builder.Services.AddScoped<IThreadFinalizer, RecordingThreadFinalizer>();
builder.Services.AddSingleton<IProcessFinalizer, RecordingProcessFinalizer>();

// A second process initializer, after the first, with its own options (section "SecondInitializer"); idle unless a Tag is set.
builder.Services.Configure<SecondInitializerOptions>(builder.Configuration.GetSection("SecondInitializer"));
builder.Services.AddSingleton<IProcessInitializer, SecondProcessInitializer>();

// A hosted service of the program, chosen above to run in its worker processes; idle unless TestWorker:HostedService says.
builder.Services.AddHostedService<WorkerHostedService>();
using IHost host = builder.Build();

if (!args.Contains("--as-application"))
{
    await host.RunAsync();
    return;
}

await host.StartAsync();
var queue = host.Services.GetRequiredService<IMpmsQueue<TestJob, TestResult>>();
TestResult[] results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => queue.RunAsync(new TestJob("whoami", i))));
Console.WriteLine($"ready {string.Join(",", results.Select(r => r.ProcessId).Distinct())}");
await host.WaitForShutdownAsync();
