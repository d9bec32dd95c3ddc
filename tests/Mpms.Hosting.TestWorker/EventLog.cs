using Microsoft.Extensions.Options;

namespace Mpms.Hosting.TestWorker;

/// <summary>
/// Appends one line per event to the file a test gives: <c>event pid managed-thread-id os-thread-name detail</c>. Tests
/// read it after the pool stopped, to see what ran where, including finalizers that run after the last job.
/// </summary>
public sealed class EventLog(IOptions<TestBehaviour> behaviour)
{
    private static readonly object Gate = new();

    public void Write(string name, string? detail)
    {
        if (behaviour.Value.EventLog is not { } path)
        {
            return;
        }

        string line = $"{name} {Environment.ProcessId} {Environment.CurrentManagedThreadId} {Thread.CurrentThread.Name ?? "-"} {detail ?? "-"}{Environment.NewLine}";
        lock (Gate)
        {
            File.AppendAllText(path, line);
        }
    }
}
