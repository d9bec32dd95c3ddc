using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>Small helpers the parity tests share: jobs held on a release file, worker events, and the pool's log by event id.</summary>
internal static class Jobs
{
    /// <summary>A "wait-file" job that runs until <see cref="Release"/> creates its file.</summary>
    public static TestJob HeldUntilReleased(TestPool pool, string name, int value = 0) =>
        new("wait-file", value, Path: Path.Combine(pool.Directory, $"release-{name}"));

    /// <summary>
    /// A "block-file" job: it ignores its token and runs until <see cref="Release"/> creates its file. In a pool with a
    /// short JobTimeout and a long JobTimeoutGrace it outlives the timeout for as long as the test needs, and
    /// succeeds when released (a job that returns within the grace keeps its result).
    /// </summary>
    public static TestJob BlockedUntilReleased(TestPool pool, string name, int value = 0) =>
        new("block-file", value, Path: Path.Combine(pool.Directory, $"release-{name}"));

    /// <summary>Lets the held job (or jobs) on this file finish.</summary>
    public static void Release(TestJob job) => File.WriteAllText(job.Path!, string.Empty);

    /// <summary>Puts a held job and waits until a worker thread runs it.</summary>
    public static async Task<MpmsJobHandle<TestResult>> PutRunningAsync(TestPool pool, TestJob job)
    {
        MpmsJobHandle<TestResult> handle = await pool.Queue.PutAsync(job);
        await WaitForJobRunningAsync(pool, handle.JobId);
        return handle;
    }

    /// <summary>Waits until the job with this task id has written "job-waiting": a worker thread runs it now.</summary>
    public static Task<WorkerEvent> WaitForJobRunningAsync(TestPool pool, string jobId) =>
        WaitForEventAsync(pool, e => e.Name == "job-waiting" && e.Detail == jobId, $"task {jobId} to run");

    /// <summary>Waits until the worker processes have written an event that matches, and returns it.</summary>
    public static async Task<WorkerEvent> WaitForEventAsync(TestPool pool, Func<WorkerEvent, bool> match, string what)
    {
        IReadOnlyList<WorkerEvent> events = await pool.WaitForEventsAsync(e => e.Any(match), what);
        return events.First(match);
    }

    /// <summary>The events named <paramref name="name"/>.</summary>
    public static IReadOnlyList<WorkerEvent> Named(this IReadOnlyList<WorkerEvent> events, string name) =>
        events.Where(e => e.Name == name).ToArray();

    /// <summary>
    /// Waits for a job's outcome, but no longer than <see cref="TestPool.WaitCeiling"/>: where a bug could leave a job
    /// without an outcome, the test fails instead of hanging.
    /// </summary>
    public static Task<T> WithinCeiling<T>(this Task<T> task) => task.WaitAsync(TestPool.WaitCeiling);

    /// <summary>The lines of the application's log with this event id.</summary>
    public static IReadOnlyList<LogEntry> Logged(this TestPool pool, int eventId) =>
        pool.Logs.Entries.Where(e => e.EventId.Id == eventId).ToArray();

    /// <summary>The value of one structured field of a log line, or null.</summary>
    public static object? Field(this LogEntry entry, string key) => entry.State.FirstOrDefault(kv => kv.Key == key).Value;
}
