namespace Mpms.Hosting.Supervision;

/// <summary>
/// The pool's private directory for its socket: created with mode 0700, so no other user can connect, and deleted
/// when the pool stops.
/// </summary>
internal sealed class SocketDirectory : IDisposable
{
    // sun_path holds 108 bytes on Linux and 104 on macOS; stay under both.
    private const int MaxSocketPathBytes = 100;

    private SocketDirectory(string path)
    {
        Path = path;
        SocketPath = System.IO.Path.Combine(path, "link.sock");
    }

    public string Path { get; }

    public string SocketPath { get; }

    public static SocketDirectory Create(string? baseDirectory)
    {
        string parent = string.IsNullOrEmpty(baseDirectory) ? System.IO.Path.GetTempPath() : baseDirectory;
        if (System.Text.Encoding.UTF8.GetByteCount(parent) > MaxSocketPathBytes - 32 && !OperatingSystem.IsWindows())
        {
            // A long TMPDIR would make the socket path too long to bind; /tmp always fits.
            parent = "/tmp";
        }

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
        string path = System.IO.Path.Combine(parent, "mpms-" + Guid.NewGuid().ToString("N")[..12]);
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
}
