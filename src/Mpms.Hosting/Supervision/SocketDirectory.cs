namespace Mpms.Hosting.Supervision;

/// <summary>
/// The pool's private directory for its socket and its processes' start marks (<c>starts-*</c>, see
/// <see cref="Protocol.StartMarks"/>): created with mode 0700, so no other user can connect or read them, and deleted
/// when the pool stops. Its name carries the application's process id (<c>mpms-&lt;pid&gt;-&lt;random&gt;</c>), so that
/// the directory of an application that died without stopping is recognised and removed when the next pool starts.
/// </summary>
internal sealed class SocketDirectory : IDisposable
{
    private const string StartMarksPrefix = "starts-";

    // sun_path holds 108 bytes on Linux and 104 on macOS; stay under both.
    private const int MaxSocketPathBytes = 100;

    private SocketDirectory(string path)
    {
        Path = path;
        SocketPath = System.IO.Path.Combine(path, "link.sock");
    }

    public string Path { get; }

    public string SocketPath { get; }

    /// <summary>Gets a new path in the directory for the start marks of process number <paramref name="processNumber"/>.</summary>
    public static string StartMarksPath(string directory, int processNumber) =>
        System.IO.Path.Combine(directory, $"{StartMarksPrefix}{processNumber}-{Guid.NewGuid().ToString("N")[..8]}");

    public static SocketDirectory Create(string? baseDirectory)
    {
        string parent = string.IsNullOrEmpty(baseDirectory) ? System.IO.Path.GetTempPath() : baseDirectory;
        if (System.Text.Encoding.UTF8.GetByteCount(parent) > MaxSocketPathBytes - 32 && !OperatingSystem.IsWindows())
        {
            // A long TMPDIR would make the socket path too long to bind; /tmp always fits.
            parent = "/tmp";
        }

        RemoveStale(parent);
        string path = CreatePrivate(parent);
        return new SocketDirectory(path);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Already gone, or in use by a process that is being killed: nothing else to do.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string CreatePrivate(string parent)
    {
        Directory.CreateDirectory(parent);
        string path = System.IO.Path.Combine(parent, $"mpms-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>
    /// Removes the socket directories that applications now dead left behind in <paramref name="parent"/>. Only what is
    /// certainly such a directory goes: named by a process id that runs no more, holding nothing but its socket and start marks.
    /// </summary>
    internal static void RemoveStale(string parent)
    {
        string[] candidates;
        try
        {
            candidates = Directory.GetDirectories(parent, "mpms-*-*");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (string candidate in candidates)
        {
            string[] parts = System.IO.Path.GetFileName(candidate).Split('-');
            if (parts.Length != 3 || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid)
                || pid == Environment.ProcessId || IsRunning(pid))
            {
                continue;
            }

            try
            {
                if (Directory.EnumerateFileSystemEntries(candidate).All(entry => System.IO.Path.GetFileName(entry) is "link.sock" || IsStartMarks(entry)))
                {
                    Directory.Delete(candidate, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another user's, or being removed by someone else: not ours to insist on.
            }
        }
    }

    private static bool IsStartMarks(string entry) =>
        System.IO.Path.GetFileName(entry).StartsWith(StartMarksPrefix, StringComparison.Ordinal) && File.Exists(entry);

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
