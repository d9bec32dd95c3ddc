// A Generic Host app whose jobs run in a supervised pool of worker processes, each with several worker threads.
// The worker processes are this program started again: in them, AddMpms runs the worker instead of the code below.
using Mpms.Hosting;
using MpmsWorkerApp;

HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
builder.Services.Configure<StopWordsOptions>(builder.Configuration.GetSection("StopWords"));
builder.Services.AddSingleton<StopWordList>();
builder.Services.AddMpms<WordCountWorker>()            // options: the "Mpms" section of appsettings.json
    .AddProcessInitializer<StopWordsLoader>()          // once in every worker process, before its first job
    .AddThreadInitializer<ThreadGreeter>()             // once on every worker thread, before its first job
    .AddCollector<OutcomePrinter>();                   // every outcome, in this application

using IHost host = builder.Build();
await host.StartAsync();

string[] texts =
[
    "The quick brown fox jumps over the lazy dog",
    "A journey of a thousand miles begins with a single step",
    "To be or not to be",
    "All that glitters is not gold",
    "The art of war",
    "Pride and prejudice",
];
IMpmsQueue queue = host.Services.GetRequiredService<IMpmsQueue>();
foreach (string text in texts)
{
    await queue.PutAsync(new WordCountJob(text));      // waits only while the queue is full
}

IMpmsPool pool = host.Services.GetRequiredService<IMpmsPool<WordCountJob, WordCount>>();
pool.Complete();                                       // no more jobs
await pool.WaitForCompletionAsync();                   // every outcome collected
await host.StopAsync();                                // drains the worker processes
