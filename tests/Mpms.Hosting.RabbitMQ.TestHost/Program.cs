using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mpms.Hosting;
using Mpms.Hosting.RabbitMQ.TestHost;

// One host of the broker tests. Options come from configuration (environment Mpms__*, Mpms__RabbitMq__*); the pool's
// workers are this program started again in the worker role. It prints "ready" once started. With
//   --put N [--sleep-ms S] [--concurrency C] [--fail-attempts F] --out FILE
// it puts N jobs, writes one line per outcome to FILE ("n status host attempt"), prints "done N" and then waits to be
// stopped like the other hosts, which only consume. With F the first F attempts of each job throw. "done" also says how long the puts and outcomes took, in
// milliseconds; --no-broker runs the same loop on the in-memory queue, for comparison (docs/benchmarks.md).
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
IMpmsPoolBuilder pool = builder.Services.AddMpms<HostWorker>();
if (!builder.Configuration.GetValue("no-broker", false))
{
    pool.UseRabbitMq(builder.Configuration.GetSection("Mpms:RabbitMq"));
}

using IHost host = builder.Build();
await host.StartAsync();
Console.WriteLine("ready");

int jobs = builder.Configuration.GetValue("put", 0);
if (jobs > 0)
{
    int sleepMs = builder.Configuration.GetValue("sleep-ms", 0);
    int concurrency = builder.Configuration.GetValue("concurrency", 64);
    int failAttempts = builder.Configuration.GetValue("fail-attempts", 0);
    string output = builder.Configuration["out"] ?? throw new InvalidOperationException("--out names the outcomes file.");
    var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();
    var lines = new ConcurrentQueue<string>();
    var elapsed = System.Diagnostics.Stopwatch.StartNew();
    int next = -1;
    int done = 0;

    // Several putters at once, each waiting for its job's outcome before the next put: at most C jobs are out.
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        for (int n = Interlocked.Increment(ref next); n < jobs; n = Interlocked.Increment(ref next))
        {
            string line;
            MpmsJobHandle<HostResult>? handle = null;
            try
            {
                handle = await queue.PutAsync(new HostJob(n, sleepMs, FailAttempts: failAttempts));
                HostResult result = await handle.Completion;
                line = $"{n} {handle.Status} {result.Host} {result.Attempt}";
            }
            catch (Exception ex)
            {
                // A put that failed (the broker did not confirm in time) is written as such: it has no handle.
                line = handle is null ? $"{n} PutFailed {ex.GetType().Name} 0" : $"{n} {handle.Status} - 0";
            }

            lines.Enqueue(line);
            int count = Interlocked.Increment(ref done);
            if (count % 500 == 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"progress {count}"));
            }
        }
    }));

    elapsed.Stop();
    await File.WriteAllLinesAsync(output, lines);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {lines.Count} in {elapsed.ElapsedMilliseconds} ms"));
}

await host.WaitForShutdownAsync();
