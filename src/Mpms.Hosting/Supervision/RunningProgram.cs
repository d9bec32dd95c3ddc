using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// The program this process runs, for starting it (or the application it hosts) again as a worker: its path and
/// arguments, its entry assembly, whether it is a test runner, and where an application's runnable assembly is.
/// </summary>
internal sealed class RunningProgram
{
    // Test frameworks whose test assembly is its own runner (xunit v3, Microsoft.Testing.Platform, …): started again,
    // it runs tests, not a worker. Exact names: an application misread as a test runner could not start its workers.
    private static readonly HashSet<string> TestFrameworks = new(StringComparer.OrdinalIgnoreCase)
    {
        "Microsoft.Testing.Platform", "xunit.core", "xunit.v3.core", "nunit.framework",
        "Microsoft.VisualStudio.TestPlatform.TestFramework", "MSTest.TestFramework", "TUnit.Core",
    };

    private static readonly Lazy<RunningProgram> s_current = new(Describe);

    /// <summary>Gets the program of this process.</summary>
    public static RunningProgram Current => s_current.Value;

    /// <summary>Gets the path of the executable: the apphost, or the <c>dotnet</c> host.</summary>
    public string? ProcessPath { get; init; }

    /// <summary>Gets the arguments as <see cref="Environment.GetCommandLineArgs"/> gives them: the entry assembly's path first.</summary>
    public IReadOnlyList<string> CommandLineArgs { get; init; } = [];

    /// <summary>Gets the name of the entry assembly, if there is one.</summary>
    public string? EntryAssemblyName { get; init; }

    /// <summary>Gets a value indicating whether the program is a test runner (<c>testhost</c>, or a test assembly that is its own runner).</summary>
    public bool IsTestHost { get; init; }

    /// <summary>Gets the path of the <c>dotnet</c> host that runs an application's assembly.</summary>
    public string DotnetHost { get; init; } = "dotnet";

    /// <summary>Gets a lookup from an assembly name to the path of that application's runnable assembly, or <see langword="null"/>.</summary>
    public Func<string, string?> FindApplication { get; init; } = _ => null;

    private static RunningProgram Describe()
    {
        Assembly? entry = Assembly.GetEntryAssembly();
        string? processPath = Environment.ProcessPath;
        return new RunningProgram
        {
            ProcessPath = processPath,
            CommandLineArgs = Environment.GetCommandLineArgs(),
            EntryAssemblyName = entry?.GetName().Name,
            IsTestHost = entry is null || IsTestRunner(entry),
            DotnetHost = FindDotnetHost(processPath),
            FindApplication = FindRunnableAssembly,
        };
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "A test runner is never trimmed; in a trimmed application a reference the trimmer removed only means it is not a test runner, which it is not.")]
    private static bool IsTestRunner(Assembly entry)
    {
        // VSTest's host is testhost (testhost.x86, testhost.net48…); ReSharper and Rider have their own.
        string name = entry.GetName().Name ?? string.Empty;
        return name.Equals("testhost", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("testhost.", StringComparison.OrdinalIgnoreCase)
            || name.Equals("ReSharperTestRunner", StringComparison.OrdinalIgnoreCase)
            || entry.GetReferencedAssemblies().Any(r => r.Name is not null && TestFrameworks.Contains(r.Name));
    }

    /// <summary>
    /// An application's assembly can be run by the <c>dotnet</c> host when it has an entry point and its
    /// <c>.runtimeconfig.json</c> is beside it. A test host has loaded it (to call its entry point); otherwise it is
    /// looked for next to this program.
    /// </summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location (a single-file application) is handled: such an assembly is not run by the dotnet host.")]
    private static string? FindRunnableAssembly(string name)
    {
        Assembly? loaded = AppDomain.CurrentDomain.GetAssemblies()
            .FirstOrDefault(a => string.Equals(a.GetName().Name, name, StringComparison.Ordinal));
        string path = loaded is { EntryPoint: not null, Location.Length: > 0 } ? loaded.Location
            : loaded is null ? Path.Combine(AppContext.BaseDirectory, name + ".dll")
            : string.Empty;
        return path.Length > 0 && File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")) ? path : null;
    }

    /// <summary>The <c>dotnet</c> host: this process's, the SDK's, or the one whose runtime this process runs on.</summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location (a single-file application) is handled: the host is then looked for elsewhere, or named 'dotnet'.")]
    private static string FindDotnetHost(string? processPath)
    {
        string executable = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (processPath is not null && string.Equals(Path.GetFileName(processPath), executable, StringComparison.OrdinalIgnoreCase))
        {
            return processPath;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        // The shared runtime lives in <root>/shared/Microsoft.NETCore.App/<version>/; the host is <root>/dotnet.
        string? runtime = Path.GetDirectoryName(typeof(object).Assembly.Location);
        string? root = runtime is null ? null : Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)));
        return root is not null && File.Exists(Path.Combine(root, executable)) ? Path.Combine(root, executable) : "dotnet";
    }
}
