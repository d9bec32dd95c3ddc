using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Mpms.Hosting.TestWorker;

/// <summary>
/// Appends one line per event to the file a test gives: <c>event pid managed-thread-id os-thread-name detail</c>. Tests
/// read it after the pool stopped, to see what ran where, including finalizers that run after the last job.
/// </summary>
/// <remarks>
/// Every worker process of a pool appends to the same file. .NET opens a file for appending by seeking to its end, not
/// with O_APPEND, so two processes writing at once could both write at the same offset and one line would be lost:
/// a named mutex (one per file) makes the appends take turns across processes.
/// </remarks>
public sealed class EventLog(IOptions<TestBehaviour> behaviour) : IDisposable
{
    private static readonly object Gate = new();
    private Mutex? _acrossProcesses;

    public void Write(string name, string? detail)
    {
        if (behaviour.Value.EventLog is not { } path)
        {
            return;
        }

        // Fields are separated by spaces, and a thread-pool thread's name has some (".NET TP Worker").
        string thread = Thread.CurrentThread.Name?.Replace(' ', '_') ?? "-";
        string line = $"{name} {Environment.ProcessId} {Environment.CurrentManagedThreadId} {thread} {detail ?? "-"}{Environment.NewLine}";
        lock (Gate)
        {
            _acrossProcesses ??= new Mutex(initiallyOwned: false, MutexName(path));
            try
            {
                _acrossProcesses.WaitOne();
            }
            catch (AbandonedMutexException)
            {
                // A process was killed while it held the mutex (the crash tests do that); the mutex is ours now.
            }

            try
            {
                File.AppendAllText(path, line);
            }
            finally
            {
                _acrossProcesses.ReleaseMutex();
            }
        }
    }

    public void Dispose()
    {
        lock (Gate)
        {
            _acrossProcesses?.Dispose();
            _acrossProcesses = null;
        }
    }

    private static string MutexName(string path) =>
        "mpms-test-events-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(path))))[..32];
}
