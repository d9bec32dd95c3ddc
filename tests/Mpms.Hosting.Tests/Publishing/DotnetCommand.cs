using System.Diagnostics;
using System.Reflection;
using Mpms.Hosting.Tests.Infrastructure;

namespace Mpms.Hosting.Tests.Publishing;

/// <summary>
/// Runs the .NET SDK's own commands (<c>dotnet pack</c>, <c>dotnet new</c>, <c>dotnet build</c>) as a release or a
/// user would, and fails the test with their output when one fails. No build server is left running: it would outlive
/// the test and hold its output pipes open.
/// </summary>
internal static class DotnetCommand
{
    /// <summary>Longest any one command may take before it is killed with everything it started.</summary>
    private static readonly TimeSpan Ceiling = TimeSpan.FromMinutes(5);

    /// <summary>The library's project file, from the test assembly's metadata (see the test project file).</summary>
    public static string LibraryProject => MetadataPath("Mpms.Hosting.Project");

    /// <summary>The template package's project file, from the test assembly's metadata.</summary>
    public static string TemplatesProject => MetadataPath("Mpms.Hosting.Templates.Project");

    /// <summary>Runs <c>dotnet</c> with the arguments in a directory; returns its output, or fails with it.</summary>
    public static async Task<string> RunAsync(string workingDirectory, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(AppUnderTest.DotnetHost(), arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        startInfo.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";

        using Process process = Process.Start(startInfo)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var ceiling = new CancellationTokenSource(Ceiling);
        try
        {
            await process.WaitForExitAsync(ceiling.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} took longer than {Ceiling}.{Environment.NewLine}{await output}{await errors}");
        }

        string text = await output + await errors;
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):{Environment.NewLine}{text}");
        return text;
    }

    private static string MetadataPath(string key) =>
        typeof(DotnetCommand).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
