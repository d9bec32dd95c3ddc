using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>Small helpers the parity tests share: jobs held on a release file, and the pool's log by event id.</summary>
internal static class Jobs
{
    /// <summary>A "wait-file" job that runs until <see cref="Release"/> creates its file.</summary>
    public static TestJob HeldUntilReleased(TestPool pool, string name, int value = 0) =>
        new("wait-file", value, Path: Path.Combine(pool.Directory, $"release-{name}"));

    /// <summary>
    /// A "block-file" job: it ignores its token and runs until <see cref="Release"/> creates its file. In a pool with a
    /// short TaskTimeout and a long TaskTimeoutGrace it outlives the timeout for as long as the test needs, and
    /// succeeds when released (a job that returns within the grace keeps its result).
    /// </summary>
    public static TestJob BlockedUntilReleased(TestPool pool, string name, int value = 0) =>
        new("block-file", value, Path: Path.Combine(pool.Directory, $"release-{name}"));

    /// <summary>Lets the held job (or jobs) on this file finish.</summary>
    public static void Release(TestJob job) => File.WriteAllText(job.Path!, string.Empty);

    /// <summary>Puts a held job and waits until a worker thread runs it.</summary>
    public static async Task<MpmsTaskHandle<TestResult>> PutRunningAsync(TestPool pool, TestJob job)
    {
        MpmsTaskHandle<TestResult> handle = await pool.Queue.PutAsync(job);
        await WorkerEvents.WaitForJobRunningAsync(pool, handle.TaskId);
        return handle;
    }

    /// <summary>The lines of the application's log with this event id.</summary>
    public static IReadOnlyList<LogEntry> Logged(this TestPool pool, int eventId) =>
        pool.Logs.Entries.Where(e => e.EventId.Id == eventId).ToArray();

    /// <summary>The value of one structured field of a log line, or null.</summary>
    public static object? Field(this LogEntry entry, string key) => entry.State.FirstOrDefault(kv => kv.Key == key).Value;
}
