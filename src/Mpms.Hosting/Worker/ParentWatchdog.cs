using System.Runtime.InteropServices;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Ends the worker process when the application that started it is gone. The closed link says so first; this is the
/// second line, on its own OS thread, for a worker whose thread pool is too busy to notice the link closing.
/// </summary>
internal static partial class ParentWatchdog
{
    public static void Start(Action onParentGone)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        int parent = GetParentProcessId();
        var thread = new Thread(() =>
        {
            while (GetParentProcessId() == parent)
            {
                Thread.Sleep(500);
            }

            onParentGone();
        })
        {
            IsBackground = true,
            Name = "mpms-parent-watchdog",
        };
        thread.Start();
    }

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentProcessId();
}
