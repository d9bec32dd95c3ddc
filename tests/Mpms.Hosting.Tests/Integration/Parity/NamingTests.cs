using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// PARITY 29: the pool's name (<c>name</c> of the original; here the worker type's name) names the worker processes
/// (<c>mpms-{name}-p{n}</c>) and threads (<c>…#t{i}</c>) as the kernel shows them to <c>ps</c> and <c>top -H</c>, in
/// results, and in the log lines of both the application and the workers.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class NamingTests
{
    [Fact]
    public async Task PoolName_NamesProcessesAndThreadsInTheKernelInResultsAndInLogLines()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
        });
        Assert.Equal("TestWorker", pool.Queue.PoolName);

        // One job on each thread, so that both threads' names show in results.
        TestJob held = Jobs.HeldUntilReleased(pool, "held");
        MpmsJobHandle<TestResult> first = await Jobs.PutRunningAsync(pool, held with { Value = 1 });
        MpmsJobHandle<TestResult> second = await Jobs.PutRunningAsync(pool, held with { Value = 2 });
        int pid = Assert.Single(pool.StartedProcessIds);

        // The kernel keeps 15 bytes of a name: the pool name is cut, never the process and thread numbers.
        Assert.Equal("mpms-TestWor-p1", ProcessProbe.Comm(pid));
        IReadOnlyList<string> threads = ProcessProbe.ThreadComms(pid);
        Assert.Contains("TestWorke-p1#t1", threads);
        Assert.Contains("TestWorke-p1#t2", threads);

        Jobs.Release(held);
        TestResult[] results = await Task.WhenAll(first.Completion, second.Completion);
        Assert.Equal(["mpms-TestWorker-p1#t1", "mpms-TestWorker-p1#t2"], results.Select(r => r.ThreadName).Order(StringComparer.Ordinal));

        // The application's lines about a process name it, and its pool.
        TestResult logged = await pool.Queue.RunAsync(new TestJob("log", 5));
        await pool.WaitUntilAsync(_ => pool.Logs.Entries.Any(e => e.Message.StartsWith("Worker logged 5", StringComparison.Ordinal)), "the worker's line");
        LogEntry ready = Assert.Single(pool.Logged(1002));
        Assert.Equal("TestWorker", ready.Field("Pool"));
        Assert.Equal("mpms-TestWorker-p1", ready.Field("ProcessName"));
        Assert.Contains("mpms-TestWorker-p1", ready.Message, StringComparison.Ordinal);
        Assert.All(pool.Logs.Entries.Where(e => e.Category == "Mpms.Hosting.Supervisor"), e => Assert.Equal("TestWorker", e.Field("Pool")));

        // Every line a worker forwards carries the pool, and the process and thread it came from.
        LogEntry[] forwarded = pool.Logs.Entries.Where(e => e.Category.StartsWith("Mpms.Hosting.WorkerRuntime", StringComparison.Ordinal) || e.Category == typeof(TestWorker.TestWorker).FullName).ToArray();
        Assert.NotEmpty(forwarded);
        Assert.All(forwarded, e =>
        {
            Assert.Equal("TestWorker", e.Field("Pool"));
            Assert.Equal((long)pid, Convert.ToInt64(e.Field("ProcessId"), System.Globalization.CultureInfo.InvariantCulture));
        });
        LogEntry jobLine = Assert.Single(forwarded, e => e.Message.StartsWith("Worker logged 5", StringComparison.Ordinal));
        Assert.Equal(logged.ThreadName, jobLine.Field("ThreadName"));
    }
}
