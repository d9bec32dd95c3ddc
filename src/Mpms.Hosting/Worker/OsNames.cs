using System.Runtime.InteropServices;
using System.Text;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Gives worker processes and threads names that <c>ps</c> and <c>top -H</c> show. Linux keeps 15 bytes of a name, so a
/// long pool name is cut from its end, never the <c>-p&lt;n&gt;#t&lt;i&gt;</c> suffix that tells processes and threads apart.
/// </summary>
internal static partial class OsNames
{
    private const int MaxLinuxName = 15;
    private const int PrSetName = 15;

    /// <summary>Renames the process (the name of its main thread).</summary>
    public static void SetProcessName(string poolName, int processNumber)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            // /proc/self is the thread-group leader, so this names the process whichever thread writes it.
            File.WriteAllText("/proc/self/comm", Compact($"mpms-{poolName}", $"-p{processNumber}"));
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Renames the calling thread at the operating-system level.</summary>
    public static unsafe void SetCurrentThreadName(string poolName, int processNumber, int threadNumber)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        byte[] name = Encoding.UTF8.GetBytes(Compact(poolName, $"-p{processNumber}#t{threadNumber}") + "\0");
        fixed (byte* pointer = name)
        {
            _ = Prctl(PrSetName, (nint)pointer, 0, 0, 0);
        }
    }

    /// <summary>Fits <paramref name="head"/> and <paramref name="tail"/> into Linux's 15 bytes, shortening the head.</summary>
    internal static string Compact(string head, string tail)
    {
        int room = MaxLinuxName - tail.Length;
        if (head.Length > room)
        {
            head = head.StartsWith("mpms-", StringComparison.Ordinal) && head.Length - 5 >= room ? head[5..] : head;
            head = head[..Math.Max(0, Math.Min(head.Length, room))];
        }

        return head + tail;
    }

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nint arg2, nint arg3, nint arg4, nint arg5);
}
