using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;
using Xunit.Abstractions;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>
/// A worker process whose memory grows past <c>MaxMemoryPerProcess</c> (a job keeps 64 MiB referenced) is drained
/// after that job and replaced: the job itself succeeds, the process leaves with
/// <see cref="MpmsProcessExitReason.MemoryLimit"/>, and the jobs after it run in the replacement.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class MemoryRecyclingTests(ITestOutputHelper output)
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task JobKeepsMemoryPastMaxMemoryPerProcess_ProcessDrainsWithMemoryLimit_IsReplaced_AndJobsGoOn()
    {
        // What a worker process of this program holds when it has run a few small jobs, measured on one of its own.
        long idle;
        await using (TestPool probe = await TestPool.StartAsync(o => o.Processes = 1))
        {
            TestResult warm = await RunSomeAsync(probe);
            idle = ResidentBytes(warm.ProcessId);
        }

        long limit = idle + (32 * MiB);
        using var restarts = new RestartMeter();
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.MaxMemoryPerProcess = limit;
        });

        // Small jobs stay under the limit: the process is not recycled by them.
        TestResult before = await RunSomeAsync(pool);
        int first = before.ProcessId;
        long residentBefore = ResidentBytes(first);
        Assert.True(residentBefore < limit, $"the process holds {residentBefore} bytes before the big job, over the limit {limit}");
        Assert.Equal(0, pool.Pool.GetStats().Restarts);

        TestResult big = await pool.Queue.RunAsync(new TestJob("allocate", 64));
        Assert.Equal(first, big.ProcessId);
        Assert.Equal(64, big.Value);

        await pool.WaitUntilAsync(_ => Ended(pool, first) is not null, "the process to leave");
        LogEntry ended = Ended(pool, first)!;
        Assert.StartsWith(nameof(MpmsProcessExitReason.MemoryLimit), (string?)ended.Value("Exit"), StringComparison.Ordinal);
        LogEntry leaving = Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "ProcessLeaving");
        Assert.Equal(MpmsProcessExitReason.MemoryLimit, leaving.Value("Reason"));
        LogEntry reached = Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "MemoryLimitReached");
        Assert.True((long)reached.Value("WorkingSet")! > limit);

        await pool.WaitUntilAsync(s => s.Restarts == 1 && s.ProcessesReady == 1, "the replacement to be ready");
        TestResult after = await RunSomeAsync(pool);
        Assert.NotEqual(first, after.ProcessId);
        Assert.False(ProcessProbe.IsAlive(first));
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(stats.Accepted, stats.Succeeded);
        Assert.Equal(1, restarts["memory_limit"]);
        output.WriteLine($"idle worker {idle / MiB} MiB, limit {limit / MiB} MiB, before the big job {residentBefore / MiB} MiB, at the check {(long)reached.Value("WorkingSet")! / MiB} MiB");
    }

    /// <summary>Runs ten small jobs one after the other, all in the same process, and returns the last result.</summary>
    private static async Task<TestResult> RunSomeAsync(TestPool pool)
    {
        TestResult[] results = new TestResult[10];
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = await pool.Queue.RunAsync(new TestJob("double", i));
        }

        Assert.Single(results.Select(r => r.ProcessId).Distinct());
        return results[^1];
    }

    private static LogEntry? Ended(TestPool pool, int processId) =>
        pool.Logs.Entries.FirstOrDefault(e => e.EventId.Name is "ProcessEndedUnexpectedly" or "ProcessExited" && Equals(e.Value("ProcessId"), processId));

    /// <summary>The resident set (VmRSS) of a process, from /proc.</summary>
    private static long ResidentBytes(int processId)
    {
        string line = File.ReadLines($"/proc/{processId}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
