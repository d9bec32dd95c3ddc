using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// PARITY 20 (the part the initializer tests leave open): every registered <see cref="IProcessInitializer"/> runs, in
/// registration order, each with its own options bound from configuration (what <c>process_initargs</c> are in the
/// original), before any thread starts; the first that throws ends the process before the next one runs.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ProcessInitializerOrderTests
{
    [Fact]
    public async Task ProcessInitializers_TwoRegistered_RunInOrderWithTheirOwnOptionsBeforeAnyThread()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
            o.WorkerEnvironment["SecondInitializer__Tag"] = "db-eu-1";
        });

        TestResult result = await pool.Queue.RunAsync(new TestJob("whoami", 1));
        await pool.StopAsync();

        WorkerEvent[] events = pool.Events().Where(e => e.ProcessId == result.ProcessId).ToArray();
        Assert.Equal(["process-init", "process-init-2", "thread-init", "thread-init"], events.Take(4).Select(e => e.Name));
        Assert.Equal("mpms-TestWorker-p1", events[0].Detail);
        Assert.Equal("db-eu-1", events[1].Detail);
        Assert.Single(events, e => e.Name == "process-init-2");
    }

    [Fact]
    public async Task ProcessInitializers_FirstThrows_TheSecondNeverRunsInThatProcess()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.WorkerEnvironment["SecondInitializer__Tag"] = "db-eu-1";
            o.WorkerEnvironment["TestWorker__FailProcessInitOfProcess"] = "1";
        });

        TestResult result = await pool.Queue.RunAsync(new TestJob("whoami", 1)).WithinCeiling();
        await pool.StopAsync();

        IReadOnlyList<WorkerEvent> events = pool.Events();
        int failed = pool.StartedProcessIds[0];
        Assert.NotEqual(failed, result.ProcessId);
        Assert.Equal(["process-init"], events.Where(e => e.ProcessId == failed).Select(e => e.Name));
        Assert.Equal(["process-init", "process-init-2"], events.Where(e => e.ProcessId == result.ProcessId).Take(2).Select(e => e.Name));
        LogEntry failure = Assert.Single(pool.Logged(2001));
        Assert.Equal("mpms-TestWorker-p1", failure.Field("ProcessName"));
    }
}
