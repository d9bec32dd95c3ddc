using Mpms.Hosting.Tests.Infrastructure;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// Reads and waits on the event log the TestWorker processes write ("job-waiting", "thread-init", "process-fin"…).
/// A line a worker is still writing (no newline yet) is left for the next read, so a read never sees half a line.
/// (The same as what TestPool.Events reads, with these two differences.)
/// </summary>
internal static class WorkerEvents
{
    public static IReadOnlyList<WorkerEvent> Read(TestPool pool)
    {
        string text;
        try
        {
            using var stream = new FileStream(pool.EventLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text = reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }

        int end = text.LastIndexOf('\n');
        return end < 0 ? [] : text[..end].Split('\n').Where(l => l.Length > 0).Select(Parse).ToArray();
    }

    /// <summary>
    /// Parses <c>name pid managed-thread os-thread-name detail</c>. The details the TestWorker writes have no spaces, but
    /// a thread-pool thread's name has (".NET TP Worker"), so the detail is the last field and the name is what is between.
    /// </summary>
    private static WorkerEvent Parse(string line)
    {
        string[] parts = line.Split(' ');
        return new WorkerEvent(
            parts[0],
            int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture),
            string.Join(' ', parts[3..^1]),
            parts[^1]);
    }

    /// <summary>The events named <paramref name="name"/>.</summary>
    public static IReadOnlyList<WorkerEvent> Named(this IReadOnlyList<WorkerEvent> events, string name) =>
        events.Where(e => e.Name == name).ToArray();

    /// <summary>Waits until a job with this task id has written "job-waiting": it runs on a worker thread now.</summary>
    public static Task<WorkerEvent> WaitForJobRunningAsync(TestPool pool, string taskId) =>
        WaitForAsync(pool, e => e.Name == "job-waiting" && e.Detail == taskId, $"task {taskId} to run");

    /// <summary>Waits until an event matches, re-reading the log whenever the file or the pool changes.</summary>
    public static async Task<WorkerEvent> WaitForAsync(TestPool pool, Func<WorkerEvent, bool> match, string what)
    {
        // Never disposed: a late file notification may still release it after the wait ended.
        var changed = new SemaphoreSlim(0);
        void OnChanged() => changed.Release();
        void OnLogged(LogEntry entry) => changed.Release();
        void OnFile(object sender, FileSystemEventArgs e) => changed.Release();
        void OnWatcherError(object sender, ErrorEventArgs e) => changed.Release();
        using var watcher = new FileSystemWatcher(pool.Directory, Path.GetFileName(pool.EventLogPath))
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Created += OnFile;
        watcher.Changed += OnFile;
        watcher.Error += OnWatcherError;
        watcher.EnableRaisingEvents = true;
        pool.Supervisor.Changed += OnChanged;
        pool.Logs.Logged += OnLogged;
        try
        {
            using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
            while (true)
            {
                IReadOnlyList<WorkerEvent> events = Read(pool);
                if (events.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                try
                {
                    await changed.WaitAsync(ceiling.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"Waited {TestPool.WaitCeiling} for: {what}. Events:{Environment.NewLine}{string.Join(Environment.NewLine, events)}");
                }
            }
        }
        finally
        {
            pool.Supervisor.Changed -= OnChanged;
            pool.Logs.Logged -= OnLogged;
            watcher.EnableRaisingEvents = false;
        }
    }
}
