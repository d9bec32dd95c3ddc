using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.Tests.Integration;

namespace Mpms.Hosting.Tests.Publishing;

/// <summary>
/// A trimmed, self-contained publish of the console sample, as docs/publishing.md tells users to publish, then the
/// published program run for real (its worker processes are that trimmed program too). Everything the publish writes
/// goes to a temporary directory (<c>--artifacts-path</c>), so the repository's own build output is left alone, and no
/// build server is left running.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed partial class TrimmedPublishTests : IDisposable
{
    private static readonly TimeSpan PublishCeiling = TimeSpan.FromMinutes(10);
    private readonly string _directory = Directory.CreateTempSubdirectory("mpms-trimmed-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task PublishTrimmed_ConsoleSample_NoTrimWarningFromTheLibraryAndTheProgramRunsItsJobs()
    {
        string project = typeof(TrimmedPublishTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Mpms.Samples.Console.Project").Value!;
        string repository = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, "..", ".."));
        string artifacts = Path.Combine(_directory, "artifacts");
        string output = Path.Combine(_directory, "out");

        (int exitCode, string log) = await RunAsync(
            repository,
            AppUnderTest.DotnetHost(),
            "publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-p:PublishTrimmed=true",
            "--artifacts-path", artifacts, "-o", output, "--disable-build-servers", "-nologo");

        Assert.True(exitCode == 0, $"dotnet publish failed ({exitCode}):{Environment.NewLine}{log}");

        // The trimmer went over the library, and found nothing in it to warn about (other libraries' warnings are theirs).
        Assert.True(File.Exists(Path.Combine(artifacts, "obj", "Mpms.Samples.Console", "release_linux-x64", "linked", "Mpms.Hosting.dll")), "the trimmer did not process Mpms.Hosting");
        string[] libraryWarnings = TrimWarnings(log, repository).Where(w => w.Contains("Mpms.Hosting", StringComparison.Ordinal)).ToArray();
        Assert.True(libraryWarnings.Length == 0, $"Trim or AOT warnings from Mpms.Hosting:{Environment.NewLine}{string.Join(Environment.NewLine, libraryWarnings)}");

        // The published program: the seed's ten jobs, then the demo's collector and result stream on record job types.
        await using AppUnderTest app = AppUnderTest.StartExecutable(Path.Combine(output, "Mpms.Samples.Console"), "--demo");
        Assert.Equal(0, await app.WaitForExitAsync());

        IReadOnlyList<string> lines = app.Lines;
        for (int x = 0; x < 10; x++)
        {
            Assert.Contains($"Result: {x} * 2 = {x * 2}", lines);
        }

        Assert.Equal(6, lines.Count(l => SeedThreadInit().IsMatch(l)));
        Assert.Equal(40, lines.Count(l => l.StartsWith("[collector] ", StringComparison.Ordinal) && l.Contains("(meta: [demo, collector])", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("== 40 of 40 succeeded;", StringComparison.Ordinal));
        Assert.Equal(5, lines.Count(l => l.StartsWith("[results] ", StringComparison.Ordinal) && l.Contains("(echoed by mpms-EchoWorker-p1#t", StringComparison.Ordinal)));
        Assert.Contains("Done: every worker process has exited.", lines);

        int[] workers = lines.SelectMany(l => WorkerPrefix().Matches(l)).Select(m => int.Parse(m.Groups[1].Value)).Distinct().ToArray();
        Assert.NotEmpty(workers);
        Assert.DoesNotContain(app.ProcessId, workers);
        Assert.All(workers, pid => Assert.True(ProcessProbe.HasEnded(pid), $"worker {pid} is still running"));
    }

    /// <summary>The trim (IL2xxx) and AOT (IL3xxx) warnings of a build log, with the repository's path taken out.</summary>
    private static IEnumerable<string> TrimWarnings(string log, string repository) =>
        log.Split('\n')
            .Where(l => TrimWarning().IsMatch(l))
            .Select(l => ProjectSuffix().Replace(l.Replace(repository, "", StringComparison.Ordinal), "").Trim())
            .Distinct();

    private static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        using Process process = Process.Start(startInfo)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var ceiling = new CancellationTokenSource(PublishCeiling);
        try
        {
            await process.WaitForExitAsync(ceiling.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish took longer than {PublishCeiling}.");
        }

        return (process.ExitCode, await output + await errors);
    }

    [GeneratedRegex(@"\b(warning|error) IL[23]\d{3}\b")]
    private static partial Regex TrimWarning();

    // MSBuild ends each line with the project it came from, which names no assembly.
    [GeneratedRegex(@"\s*\[[^\]]*\.csproj\]\s*$")]
    private static partial Regex ProjectSuffix();

    [GeneratedRegex(@"Thread mpms-DoublingWorker-p\d+#t[123] \(process \d+\) initialized with name: Worker$")]
    private static partial Regex SeedThreadInit();

    [GeneratedRegex(@"\[mpms-[A-Za-z]+-p\d+:(\d+)\]")]
    private static partial Regex WorkerPrefix();
}
