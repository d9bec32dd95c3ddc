using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mpms.Hosting.Tests.Infrastructure;

namespace Mpms.Hosting.Tests.Publishing;

/// <summary>
/// The `dotnet new` templates as a user meets them: the library and the templates packed into a local feed, the
/// templates installed into a private template hive (never the user's own), each template made into a new app
/// outside the repository that restores Mpms.Hosting from that feed, built, and run with real worker processes.
/// </summary>
/// <remarks>
/// Both packages get a version of their own (a unique suffix), so the new apps can only restore the library packed
/// here, never one an earlier run left in the NuGet cache; that cache entry is removed afterwards.
/// </remarks>
[Collection(PublishingCollection.Name)]
public sealed partial class TemplateTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("mpms-templates-").FullName;
    private readonly string _versionSuffix = $"templatetest{Guid.NewGuid():N}"[..24];
    private string? _libraryVersion;

    private string Feed => Path.Combine(_root, "feed");

    private string Hive => Path.Combine(_root, "hive");

    private string Apps => Path.Combine(_root, "apps");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        if (_libraryVersion is not null && await GlobalPackagesFolderAsync() is { } packages)
        {
            string id = Path.Combine(packages, "mpms.hosting");
            string restored = Path.Combine(id, _libraryVersion.ToLowerInvariant());
            if (Directory.Exists(restored))
            {
                Directory.Delete(restored, recursive: true);
            }

            try
            {
                Directory.Delete(id);   // only when empty: another version there is not ours
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task Templates_InstalledFromTheirPackage_MakeAppsThatBuildAndRunJobsInWorkerProcesses()
    {
        string templatesPackage = await PackAsync();

        string installed = await DotnetCommand.RunAsync(_root, "new", "install", templatesPackage, "--debug:custom-hive", Hive);
        Assert.Contains("mpms-worker", installed, StringComparison.Ordinal);
        Assert.Contains("mpms-webapi", installed, StringComparison.Ordinal);

        string workerApp = await NewAppAsync("mpms-worker", "WordsApp");
        string webApp = await NewAppAsync("mpms-webapi", "StatsApi");
        Assert.Contains($"Include=\"Mpms.Hosting\" Version=\"{_libraryVersion}\"", File.ReadAllText(Path.Combine(workerApp, "WordsApp.csproj")), StringComparison.Ordinal);

        // The new apps find the packed library in the local feed; the sources configured for this user and machine
        // (which this file adds to, not replaces) serve everything else.
        File.WriteAllText(Path.Combine(Apps, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="mpms-templates-test" value="{Feed}" />
              </packageSources>
            </configuration>
            """);

        // One build of both: the two projects share one restore and the machine's cores.
        File.WriteAllText(Path.Combine(Apps, "Apps.slnx"), """
            <Solution>
              <Project Path="WordsApp/WordsApp.csproj" />
              <Project Path="StatsApi/StatsApi.csproj" />
            </Solution>
            """);
        await DotnetCommand.RunAsync(Apps, "build", "Apps.slnx", "--disable-build-servers", "-nologo");

        await RunWorkerAppAsync(BuiltDll(workerApp, "WordsApp"));
        await RunWebAppAsync(BuiltDll(webApp, "StatsApi"));
    }

    private async Task<string> PackAsync()
    {
        await DotnetCommand.RunAsync(_root, "pack", DotnetCommand.LibraryProject, "-c", "Release", "--no-restore", "--version-suffix", _versionSuffix, "--disable-build-servers", "-o", Feed, "-nologo");
        string library = Path.GetFileNameWithoutExtension(Assert.Single(Directory.GetFiles(Feed, "Mpms.Hosting.*.nupkg")));
        _libraryVersion = library["Mpms.Hosting.".Length..];
        Assert.EndsWith(_versionSuffix, _libraryVersion, StringComparison.Ordinal);

        await DotnetCommand.RunAsync(_root, "pack", DotnetCommand.TemplatesProject, "--version-suffix", _versionSuffix, "--disable-build-servers", "-o", Feed, "-nologo");
        return Assert.Single(Directory.GetFiles(Feed, $"Mpms.Hosting.Templates.{_libraryVersion}.nupkg"));
    }

    private async Task<string> NewAppAsync(string template, string name)
    {
        string directory = Path.Combine(Apps, name);
        await DotnetCommand.RunAsync(_root, "new", template, "--name", name, "--output", directory, "--debug:custom-hive", Hive);
        return directory;
    }

    private static string BuiltDll(string directory, string name)
    {
        string dll = Path.Combine(directory, "bin", "Debug", "net10.0", $"{name}.dll");
        Assert.True(File.Exists(dll), $"The build made no {dll}.");
        return dll;
    }

    /// <summary>The worker app puts its jobs, prints each outcome from its collector, and exits when all are in.</summary>
    private static async Task RunWorkerAppAsync(string dll)
    {
        await using AppUnderTest app = AppUnderTest.StartAt(dll);

        Assert.Equal(0, await app.WaitForExitAsync());

        IReadOnlyList<string> lines = app.Lines;
        Assert.Equal(6, lines.Count(l => l.Contains(" succeeded: ", StringComparison.Ordinal) && l.Contains(" on mpms-WordCountWorker-p", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("succeeded: 7 words in \"The quick brown fox jumps over the lazy dog\"", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("loaded 5 stop words", StringComparison.Ordinal));
        Assert.Contains(lines, l => ThreadReady().IsMatch(l));

        int[] workers = lines.Select(l => WorkerPid().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).Distinct().ToArray();
        Assert.NotEmpty(workers);
        Assert.All(workers, pid => Assert.True(ProcessProbe.HasEnded(pid), $"worker {pid} is still running"));
    }

    /// <summary>The Web API answers a job put over HTTP with the result a worker process computed, then stops on SIGTERM.</summary>
    private static async Task RunWebAppAsync(string dll)
    {
        int port = AppUnderTest.FreePort();
        await using AppUnderTest app = AppUnderTest.StartAt(dll, "--urls", $"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await app.WaitForLineAsync(l => l.Contains("is ready", StringComparison.Ordinal), "a worker process to be ready");
        await app.WaitUntilAnsweringAsync(http, "/health");

        using HttpResponseMessage response = await http.PostAsJsonAsync("/api/jobs", new { text = "one two three" });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/jobs: {(int)response.StatusCode} {body}");
        using JsonDocument result = JsonDocument.Parse(body);
        Assert.Equal(3, result.RootElement.GetProperty("words").GetInt32());
        Assert.Equal(13, result.RootElement.GetProperty("characters").GetInt32());
        Assert.StartsWith("mpms-TextStatsWorker-p", result.RootElement.GetProperty("thread").GetString(), StringComparison.Ordinal);
        Assert.Contains(result.RootElement.GetProperty("processId").GetInt32(), app.Children());

        Assert.Equal(0, await app.StopAsync());
    }

    /// <summary>Where NuGet keeps restored packages: NUGET_PACKAGES, else what <c>dotnet nuget locals</c> says.</summary>
    private static async Task<string?> GlobalPackagesFolderAsync()
    {
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set)
        {
            return set;
        }

        string listed = await DotnetCommand.RunAsync(Path.GetTempPath(), "nuget", "locals", "global-packages", "--list");
        return GlobalPackagesLine().Match(listed) is { Success: true } match ? match.Groups[1].Value.Trim() : null;
    }

    [GeneratedRegex(@"Thread mpms-WordCountWorker-p\d+#t\d+ is ready")]
    private static partial Regex ThreadReady();

    [GeneratedRegex(@"worker process mpms-WordCountWorker-p\d+ \(pid (\d+)\)")]
    private static partial Regex WorkerPid();

    [GeneratedRegex(@"global-packages:\s*(.+)")]
    private static partial Regex GlobalPackagesLine();
}
