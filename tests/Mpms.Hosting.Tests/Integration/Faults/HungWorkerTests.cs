using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;
using Xunit.Abstractions;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>
/// A worker process that stops answering (SIGSTOP: no heartbeat, no result, yet alive) is found by its silence after
/// <c>HeartbeatTimeout</c>: the supervisor logs it as hung with the job it was running and on which thread, writes a
/// dump when asked to, kills it, gives its job <see cref="MpmsProcessExitReason.HeartbeatTimeout"/>, and replaces it.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class HungWorkerTests(ITestOutputHelper output)
{
    private const int SigKill = 9;
    private const int SigStop = 19;
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task Sigstop_WorkerRunningAJob_IsLoggedAsHungWithItsJob_KilledAsHeartbeatTimeout_AndReplaced()
    {
        using var restarts = new RestartMeter();
        await using TestPool pool = await StartAsync(dumpDirectory: null);
        (MpmsJobHandle<TestResult> held, WorkerEvent running) = await RunJobThenStopItsProcessAsync(pool);

        MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => held.Completion);
        Assert.Equal(MpmsProcessExitReason.HeartbeatTimeout, lost.Reason);
        Assert.Equal(SigKill, lost.Signal);
        Assert.Equal(running.ProcessId, lost.ProcessId);
        Assert.Equal(MpmsJobStatus.WorkerLost, held.Status);

        LogEntry hung = Assert.Single(pool.Logs.Entries, e => e.EventId.Id == 1010);
        Assert.Equal("ProcessHung", hung.EventId.Name);
        Assert.Equal(running.ProcessId, hung.Value("ProcessId"));
        Assert.True((TimeSpan)hung.Value("Silence")! > HeartbeatTimeout);
        AssertHungJobNamed(pool, held, running);
        Assert.DoesNotContain(pool.Logs.Entries, e => e.EventId.Name is "DumpWritten" or "DumpFailed");

        await AssertReplacedAsync(pool, running.ProcessId);
        Assert.Equal(1, restarts["heartbeat_timeout"]);
        Assert.Equal(1, restarts.ByReason.Values.Sum());
    }

    [Fact]
    public async Task Sigstop_WithHangDumpDirectory_ADumpIsWrittenBeforeTheProcessIsKilled()
    {
        string dumps = Directory.CreateTempSubdirectory("mpms-dumps-").FullName;
        try
        {
            await using TestPool pool = await StartAsync(dumps);
            (MpmsJobHandle<TestResult> held, WorkerEvent running) = await RunJobThenStopItsProcessAsync(pool);

            MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => held.Completion);
            Assert.Equal(MpmsProcessExitReason.HeartbeatTimeout, lost.Reason);
            Assert.Equal(SigKill, lost.Signal);
            AssertHungJobNamed(pool, held, running);

            // The supervisor resumes the process (SIGCONT) so that its runtime can answer the dump request, then kills it.
            Assert.DoesNotContain(pool.Logs.Entries, e => e.EventId.Name == "DumpFailed");
            LogEntry written = Assert.Single(pool.Logs.Entries, e => e.EventId.Id == 1026);
            Assert.Equal("DumpWritten", written.EventId.Name);
            string path = (string)written.Value("Path")!;
            Assert.Equal(dumps, Path.GetDirectoryName(path));
            Assert.Contains($"-{running.ProcessId}-", Path.GetFileName(path), StringComparison.Ordinal);
            var dump = new FileInfo(path);
            output.WriteLine($"{written.Message} ({dump.Length / (1024 * 1024)} MiB)");

            // A Linux core file: an ELF file.
            byte[] magic = new byte[4];
            using (FileStream stream = dump.OpenRead())
            {
                await stream.ReadExactlyAsync(magic);
            }

            Assert.Equal(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }, magic);
            await AssertReplacedAsync(pool, running.ProcessId);
        }
        finally
        {
            Directory.Delete(dumps, recursive: true);
        }
    }

    [Fact]
    public async Task Sigstop_HangDumpDirectoryCannotBeCreated_DumpFailedIsLoggedAndTheProcessIsKilledAnyway()
    {
        string parent = Directory.CreateTempSubdirectory("mpms-dumps-").FullName;
        try
        {
            // A directory cannot be made under a regular file.
            string blocker = Path.Combine(parent, "not-a-directory");
            await File.WriteAllTextAsync(blocker, "");
            string dumps = Path.Combine(blocker, "dumps");
            await using TestPool pool = await StartAsync(dumps);
            (MpmsJobHandle<TestResult> held, WorkerEvent running) = await RunJobThenStopItsProcessAsync(pool);

            MpmsWorkerLostException lost = await Assert.ThrowsAsync<MpmsWorkerLostException>(() => held.Completion);
            Assert.Equal(MpmsProcessExitReason.HeartbeatTimeout, lost.Reason);
            Assert.Equal(SigKill, lost.Signal);

            LogEntry failed = Assert.Single(pool.Logs.Entries, e => e.EventId.Id == 1027);
            Assert.Equal("DumpFailed", failed.EventId.Name);
            Assert.StartsWith(dumps, (string)failed.Value("Path")!, StringComparison.Ordinal);
            Assert.IsAssignableFrom<IOException>(failed.Exception);
            Assert.DoesNotContain(pool.Logs.Entries, e => e.EventId.Name == "DumpWritten");
            await AssertReplacedAsync(pool, running.ProcessId);
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    private static Task<TestPool> StartAsync(string? dumpDirectory) => TestPool.StartAsync(o =>
    {
        o.Processes = 1;
        o.ThreadsPerProcess = 2;
        o.HeartbeatInterval = HeartbeatInterval;
        o.HeartbeatTimeout = HeartbeatTimeout;
        o.HangDumpDirectory = dumpDirectory;
    });

    /// <summary>Starts a "wait" job, makes sure the application has heard of it in a heartbeat, and stops its process.</summary>
    private static async Task<(MpmsJobHandle<TestResult> Held, WorkerEvent Running)> RunJobThenStopItsProcessAsync(TestPool pool)
    {
        MpmsJobHandle<TestResult> held = await pool.Queue.PutAsync(new TestJob("wait"));
        IReadOnlyList<WorkerEvent> events = await pool.WaitForEventsAsync(
            e => e.Any(x => x.Name == "job-waiting" && x.Detail == held.JobId), "the job to run");
        WorkerEvent running = events.Single(x => x.Name == "job-waiting" && x.Detail == held.JobId);

        // The child sends a heartbeat, listing its running jobs, every HeartbeatInterval. A job on the other thread
        // that sleeps five intervals after the held job started returns its result after at least one of them; both
        // travel over the one ordered link, so once the result is here the application knows what the process runs.
        TestResult marker = await pool.Queue.RunAsync(new TestJob("sleep", DelayMs: (int)(5 * HeartbeatInterval.TotalMilliseconds)));
        Assert.Equal(running.ProcessId, marker.ProcessId);

        ProcessProbe.Signal(running.ProcessId, SigStop);
        return (held, running);
    }

    private static void AssertHungJobNamed(TestPool pool, MpmsJobHandle<TestResult> held, WorkerEvent running)
    {
        LogEntry evidence = Assert.Single(pool.Logs.Entries, e => e.EventId.Id == 1024);
        Assert.Equal("HungJob", evidence.EventId.Name);
        Assert.Equal(held.JobId, evidence.Value("JobId"));
        Assert.Equal(running.ThreadName, evidence.Value("ThreadName"));
        Assert.Equal(running.ThreadName[..running.ThreadName.IndexOf('#')], evidence.Value("ProcessName"));
        Assert.DoesNotContain(pool.Logs.Entries, e => e.EventId.Name == "HungWithoutJobs");
    }

    private static async Task AssertReplacedAsync(TestPool pool, int stopped)
    {
        await pool.WaitUntilAsync(s => s.Restarts == 1 && s.ProcessesReady == 1, "the replacement to be ready");
        Assert.False(ProcessProbe.IsAlive(stopped), $"the hung process {stopped} was not killed and reaped");
        TestResult after = await pool.Queue.RunAsync(new TestJob("double", 4));
        Assert.Equal(8, after.Value);
        Assert.NotEqual(stopped, after.ProcessId);
        Assert.Contains(after.ProcessId, pool.StartedProcessIds);
    }
}
