using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// Warm spares: a process started and initialised beyond <see cref="MpmsOptions.Processes"/> is sent no job, and takes
/// the place of a serving process that ends, without running its initializers again; a new spare starts behind it.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class WarmSpareTests
{
    private const int SigKill = 9;

    [Fact]
    public async Task WarmSpare_WhileTheServingProcessIsBusy_TakesNoJob_ThenTakesTheKilledProcessPlaceAlreadyInitialised()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
            o.WarmSpares = 1;
            o.Prefetch = 0; // a free thread anywhere would take the next job: only the spare has one
        });
        await pool.WaitUntilAsync(s => s.ProcessesReady == 1 && s.WarmSparesReady == 1, "one serving process and one ready spare");
        IReadOnlyList<WorkerEvent> inits = await pool.WaitForEventsAsync(e => e.Count(x => x.Name == "process-init") == 2, "both processes initialised");

        // The serving process's only thread is busy; the spare's thread is free. The next job must still wait for the
        // serving process, not go to the spare.
        using WaitingJobs busy = await WaitingJobs.StartAsync(pool, count: 1);
        int serving = busy.Running[0].ProcessId;
        int spare = Assert.Single(inits.Select(e => e.ProcessId).Distinct(), pid => pid != serving);
        MpmsJobHandle<TestResult> next = await pool.Queue.PutAsync(new TestJob("whoami"));
        await busy.ReleaseAndWaitAsync();
        Assert.Equal(serving, (await next.Completion.WaitAsync(TestPool.WaitCeiling)).ProcessId);

        ProcessProbe.Signal(serving, SigKill);
        // Once the pool saw the kill (it starts a new spare as it promotes the old), the next job can only go to the spare.
        await pool.WaitUntilAsync(s => s.Restarts == 1, "the killed process replaced");
        TestResult after = await pool.Queue.RunAsync(new TestJob("whoami")).WaitAsync(TestPool.WaitCeiling);
        Assert.Equal(spare, after.ProcessId);

        // A new spare is started behind the promoted one; the promoted one ran its process initializer once, before.
        await pool.WaitUntilAsync(s => s.ProcessesReady == 1 && s.WarmSparesReady == 1, "a new spare ready behind the promoted one");
        IReadOnlyList<WorkerEvent> after3 = await pool.WaitForEventsAsync(e => e.Count(x => x.Name == "process-init") == 3, "the new spare initialised");
        Assert.Single(after3, e => e.Name == "process-init" && e.ProcessId == spare);
        Assert.Equal(3, after3.Where(e => e.Name == "process-init").Select(e => e.ProcessId).Distinct().Count());
        Assert.Contains(pool.Logs.Entries, e => e.EventId.Id == 1032 && e.Message.Contains(spare.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }
}
