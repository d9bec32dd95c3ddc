using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>
/// A start-marks file in a directory of its own, mapped twice as the two ends of a link map it: what the
/// <see cref="Worker"/> view stores, the <see cref="Application"/> view reads. Removed with its directory on dispose.
/// </summary>
internal sealed class StartMarksFile : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mpms-marks-");

    public StartMarksFile(int slots = 64)
    {
        Path = System.IO.Path.Combine(_directory.FullName, "starts-1");
        Application = StartMarks.Create(Path, slots);
        Worker = StartMarks.Open(Path, slots);
    }

    public string Path { get; }

    /// <summary>Gets the application's view (the ledger reads it).</summary>
    public StartMarks Application { get; }

    /// <summary>Gets the worker's view (a worker thread stores into it).</summary>
    public StartMarks Worker { get; }

    public void Dispose()
    {
        Worker.Dispose();
        Application.Dispose();
        _directory.Delete(recursive: true);
    }
}
