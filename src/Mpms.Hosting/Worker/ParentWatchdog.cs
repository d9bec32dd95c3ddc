using System.Runtime.InteropServices;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Ends the worker process when the application that started it is gone. The closed link says so first; this is the
/// second line, on its own OS thread, for a worker whose thread pool is too busy to notice the link closing. For that
/// reason it polls on that thread with the real clock, not through a timer.
/// </summary>
internal sealed partial class ParentWatchdog : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly ManualResetEventSlim _stopped = new();
    private readonly Thread? _thread;

    private ParentWatchdog(Action onParentGone)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int parent = GetParentProcessId();
        _thread = new Thread(() =>
        {
            while (GetParentProcessId() == parent)
            {
                if (_stopped.Wait(PollInterval))
                {
                    return;
                }
            }

            onParentGone();
        })
        {
            IsBackground = true,
            Name = "mpms-parent-watchdog",
        };
        _thread.Start();
    }

    /// <summary>Starts watching; <paramref name="onParentGone"/> runs on the watchdog's thread.</summary>
    public static ParentWatchdog Start(Action onParentGone) => new(onParentGone);

    /// <summary>Stops watching; the thread ends within one poll, and is waited for no longer than that.</summary>
    public void Dispose()
    {
        _stopped.Set();
        if (_thread is null || _thread.Join(PollInterval * 2))
        {
            _stopped.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();
}
