using System.Diagnostics;
using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class SocketDirectoryTests : IDisposable
{
    private readonly string _parent = Directory.CreateTempSubdirectory("mpms-unit-dirs-").FullName;

    public void Dispose() => Directory.Delete(_parent, recursive: true);

    [Fact]
    public void Create_NamesTheDirectoryAfterThisApplication_AndDisposeRemovesIt()
    {
        SocketDirectory directory = SocketDirectory.Create(_parent);

        Assert.StartsWith($"mpms-{Environment.ProcessId}-", Path.GetFileName(directory.Path), StringComparison.Ordinal);
        Assert.Equal(Path.Combine(directory.Path, "link.sock"), directory.SocketPath);
        directory.Dispose();
        Assert.False(Directory.Exists(directory.Path));
    }

    [Fact]
    public async Task Create_AfterAnApplicationDiedLeavingItsDirectory_RemovesThatDirectoryOnly()
    {
        int dead = await DeadProcessIdAsync();
        string stale = Make($"mpms-{dead}-0badf00d", "link.sock");
        string staleEmpty = Make($"mpms-{dead}-00000000");
        string foreignContent = Make($"mpms-{dead}-c0ffee00", "notes.txt");
        string live = Make($"mpms-{Environment.ProcessId}-1234abcd", "link.sock");
        string notOurs = Make($"mpms-{dead}", "link.sock");

        using SocketDirectory directory = SocketDirectory.Create(_parent);

        Assert.False(Directory.Exists(stale));
        Assert.False(Directory.Exists(staleEmpty));
        Assert.True(Directory.Exists(foreignContent), "A directory holding more than a socket is not the pool's to remove.");
        Assert.True(Directory.Exists(live), "The directory of a running application was removed.");
        Assert.True(Directory.Exists(notOurs), "A directory not named like a pool's was removed.");
    }

    private string Make(string name, string? file = null)
    {
        string path = Path.Combine(_parent, name);
        Directory.CreateDirectory(path);
        if (file is not null)
        {
            File.WriteAllText(Path.Combine(path, file), string.Empty);
        }

        return path;
    }

    /// <summary>The id of a process that has run and exited (reaped), so no process has it now (short of a reuse).</summary>
    private static async Task<int> DeadProcessIdAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        return process.Id;
    }
}
