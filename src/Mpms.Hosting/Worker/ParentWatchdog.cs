using System.Runtime.InteropServices;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Ends the worker process when the application that started it is gone. On Linux the kernel does it first: the worker
/// asks for SIGKILL when its parent dies (<c>PR_SET_PDEATHSIG</c>), which reaches even a stopped process. The closed link
/// says so next; this is the last line, on its own OS thread, for a worker whose thread pool is too busy to notice the
/// link closing. For that reason it polls on that thread with the real clock, not through a timer.
/// </summary>
internal sealed partial class ParentWatchdog : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly ManualResetEventSlim _stopped = new();
    private readonly Thread? _thread;

    private const int PrSetPdeathsig = 1;
    private const int SigKill = 9;

    private ParentWatchdog(int application, Action onParentGone)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // The parent is the application, or a program the pool's WorkerCommand runs in between; either way it is the
        // process to watch. The application may have died before this process asked for its signal: then leave now.
        int parent = GetParentProcessId();
        if (application > 0 && SendSignal(application, 0) != 0)
        {
            parent = -1;
        }

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

    /// <summary>Starts watching the parent; <paramref name="onParentGone"/> runs on the watchdog's thread.</summary>
    /// <param name="application">The application's process id, as the pool said it; it may already be gone, and then <paramref name="onParentGone"/> runs at once.</param>
    /// <param name="onParentGone">What to do when the parent is gone.</param>
    public static ParentWatchdog Start(int application, Action onParentGone) => new(application, onParentGone);

    /// <summary>
    /// Asks the kernel to SIGKILL this process when the thread that started it ends (Linux). The application starts its
    /// workers from one thread that lives as long as its pool, so that is when the application dies, however it dies.
    /// </summary>
    public static void ArmKillOnParentDeath()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = SetParentDeathSignal(PrSetPdeathsig, SigKill);
        }
    }

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

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int SetParentDeathSignal(int option, nuint signal);
}
