using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// A hosted service the worker program chose with <c>RunInWorkers</c> (tests/Mpms.Hosting.TestWorker): it starts in each
/// worker process before the process initializers and stops after the process finalizers, and one that fails to start
/// fails the process's start as a process initializer does.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class WorkerHostedServiceTests
{
    private const string WorkerOutput = "Mpms.Hosting.WorkerRuntime";

    [Fact]
    public async Task ChosenHostedService_StartsBeforeTheProcessInitializers_AndStopsAfterTheProcessFinalizers()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.WorkerEnvironment["TestWorker__HostedService"] = "record";
        });

        TestResult result = await pool.Queue.RunAsync(new TestJob("whoami"));
        await pool.StopAsync();

        string[] order = pool.Events().Where(e => e.ProcessId == result.ProcessId).Select(e => e.Name).ToArray();
        Assert.Equal(["hosted-start", "process-init", "thread-init", "thread-fin", "process-fin", "hosted-stop"], order);
    }

    [Fact]
    public async Task ChosenHostedService_ThrowsOnStart_TheProcessFailsToStartWithoutRunningItsInitializers()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.MaxRestarts = 2;
            o.RestartDelay = TimeSpan.FromMilliseconds(20);
            o.WorkerEnvironment["TestWorker__HostedService"] = "fail";
        });

        await pool.WaitUntilAsync(s => s.Health == MpmsPoolHealth.Failed, "the pool to fail");
        await pool.WaitUntilAsync(_ => pool.Logs.Entries.Any(e => e.EventId.Name == "ProcessEndedUnexpectedly"), "the supervisor to log the first exit");

        // The worker logged the failure with the service's type and its exception; it reached the application's log.
        LogEntry failed = pool.Logs.Entries.First(e => e.Category == WorkerOutput && e.EventId.Id == 2041);
        Assert.Equal(typeof(WorkerHostedService).FullName, failed.Value("HostedService"));
        var cause = Assert.IsType<MpmsWorkerException>(failed.Exception);
        Assert.Equal("System.InvalidOperationException", cause.RemoteType);

        // The supervisor saw a failed start, and no process ran an initializer or took a job.
        LogEntry exit = pool.Logs.Entries.First(e => e.EventId.Name == "ProcessEndedUnexpectedly");
        Assert.StartsWith(nameof(MpmsProcessExitReason.StartFailed), (string?)exit.Value("Exit"));
        IReadOnlyList<WorkerEvent> events = pool.Events();
        Assert.Contains(events, e => e.Name == "hosted-start");
        Assert.DoesNotContain(events, e => e.Name is "process-init" or "thread-init");
    }
}
