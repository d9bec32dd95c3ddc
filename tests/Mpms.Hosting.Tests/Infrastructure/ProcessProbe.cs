using System.Diagnostics;

namespace Mpms.Hosting.Tests.Infrastructure;

/// <summary>Looks at processes by id through /proc, the way <c>ps</c> does.</summary>
public static class ProcessProbe
{
    /// <summary>Whether a process with this id exists (a zombie counts: it was not reaped).</summary>
    public static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/stat");

    /// <summary>The state letter of a process (R, S, D, T, Z…), or null when it is gone.</summary>
    public static char? State(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return stat[close + 2];
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The kernel's name of the process (its comm), or null when it is gone.</summary>
    public static string? Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The arguments a process was started with, the program first (what <c>ps -ef</c> shows), or null when it is gone.</summary>
    public static string[]? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The kernel's names of the process's threads.</summary>
    public static IReadOnlyList<string> ThreadComms(int pid)
    {
        try
        {
            return System.IO.Directory.GetDirectories($"/proc/{pid}/task")
                .Select(t => File.ReadAllText(Path.Combine(t, "comm")).TrimEnd('\n'))
                .ToArray();
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>
    /// Whether a process has ended: it is gone, or it is a zombie (it exited and only waits to be reaped). An orphan
    /// that exits stays a zombie until init reaps it, which some container inits never do.
    /// </summary>
    public static bool HasEnded(int pid) => State(pid) is null or 'Z' or 'X';

    /// <summary>The ids of the processes whose parent is <paramref name="parent"/> (the parent-id field of /proc/*/stat).</summary>
    public static IReadOnlyList<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (string directory in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out int pid))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(Path.Combine(directory, "stat"));
                string[] afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(afterName[1]) == parent)
                {
                    children.Add(pid);
                }
            }
            catch (IOException)
            {
                // It ended while we looked.
            }
        }

        return children;
    }

    /// <summary>The parent of a process (the parent-id field of /proc/&lt;pid&gt;/stat).</summary>
    public static int ParentOf(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The inodes (as "socket:[inode]") of the sockets listening on <paramref name="port"/>, IPv4 and IPv6.</summary>
    public static HashSet<string> ListeningSockets(int port)
    {
        const string Listen = "0A";
        var sockets = new HashSet<string>(StringComparer.Ordinal);
        foreach (string table in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                string local = fields[1];
                int localPort = int.Parse(local[(local.LastIndexOf(':') + 1)..], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                if (localPort == port && fields[3] == Listen)
                {
                    sockets.Add($"socket:[{fields[9]}]");
                }
            }
        }

        return sockets;
    }

    /// <summary>What the file descriptors of a process link to, for those that are sockets.</summary>
    public static HashSet<string> SocketsOf(int pid)
    {
        var sockets = new HashSet<string>(StringComparer.Ordinal);
        foreach (string fd in System.IO.Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:", StringComparison.Ordinal))
                {
                    sockets.Add(target);
                }
            }
            catch (IOException)
            {
                // Closed while we looked.
            }
        }

        return sockets;
    }

    /// <summary>The full path of the program a process runs, or null when it is gone.</summary>
    public static string? Executable(int pid)
    {
        try
        {
            return File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Sends a POSIX signal to several processes in one kill command, as a service manager signals a whole group.</summary>
    public static void SignalAll(int signal, IEnumerable<int> pids)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", .. pids.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Sends a POSIX signal (SIGKILL = 9, SIGSTOP = 19, SIGCONT = 18) with the kill command.</summary>
    public static void Signal(int pid, int signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString()]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }
}
