using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting.Supervision;

/// <summary>The program and arguments a worker process is started with.</summary>
internal sealed record WorkerCommandLine(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>
    /// The last argument of a worker started by default, followed by its pool's name: it tells workers from their
    /// application in <c>ps -ef</c> and lets <c>pgrep -f</c> find them. Through the Generic Host's command-line
    /// configuration it becomes the key <c>mpms-worker</c>, which nothing reads; the worker role itself comes from the
    /// environment.
    /// </summary>
    public const string MarkerPrefix = "--mpms-worker=";

    /// <summary>
    /// The configured command; or the application's own assembly through the <c>dotnet</c> host when the running program
    /// is not the application (a test host ran its entry point, as <c>WebApplicationFactory</c> does); or the running
    /// program itself: its apphost with its arguments, or <c>dotnet app.dll</c> with its arguments. A default command
    /// ends with <see cref="MarkerPrefix"/> and the pool's name.
    /// </summary>
    /// <returns><see langword="false"/> when none of these can run a worker, with the reason in <paramref name="problem"/>.</returns>
    public static bool TryResolve(
        MpmsOptions options,
        string poolName,
        HostApplication application,
        RunningProgram program,
        [NotNullWhen(true)] out WorkerCommandLine? commandLine,
        [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        if (!string.IsNullOrWhiteSpace(options.WorkerCommand))
        {
            commandLine = new WorkerCommandLine(options.WorkerCommand, options.WorkerArguments.ToArray());
            return true;
        }

        string marker = MarkerPrefix + poolName;
        if (application.Name is { Length: > 0 } name
            && !string.Equals(name, program.EntryAssemblyName, StringComparison.Ordinal)
            && program.FindApplication(name) is { } assembly)
        {
            // The test host's arguments mean nothing to the application; what the host made of the application (its
            // environment and content root) is passed on, so the worker reads the same configuration files.
            var arguments = new List<string> { assembly };
            if (application.EnvironmentName is { Length: > 0 } environment)
            {
                arguments.Add($"--environment={environment}");
            }

            if (application.ContentRootPath is { Length: > 0 } contentRoot)
            {
                arguments.Add($"--contentRoot={contentRoot}");
            }

            arguments.Add(marker);
            commandLine = new WorkerCommandLine(program.DotnetHost, arguments);
            return true;
        }

        commandLine = null;
        if (program.IsTestHost)
        {
            string runner = program.EntryAssemblyName ?? "a program with no entry assembly";
            problem = application.Name is { Length: > 0 } app && !string.Equals(app, program.EntryAssemblyName, StringComparison.Ordinal)
                ? $"this program ({runner}) is a test runner, not the application '{app}', and no runnable {app}.dll (with its .runtimeconfig.json) was loaded or found beside it"
                : $"this program ({runner}) is a test runner, not an application: started again, it would run no worker";
            return false;
        }

        if (program.ProcessPath is not { Length: > 0 } processPath)
        {
            problem = "the path of the running program is unknown, so it cannot be started again as a worker";
            return false;
        }

        // GetCommandLineArgs()[0] is the application's entry assembly (app.dll), the rest are the user's arguments.
        string host = Path.GetFileNameWithoutExtension(processPath);
        IEnumerable<string> programArguments = string.Equals(host, "dotnet", StringComparison.OrdinalIgnoreCase) ? program.CommandLineArgs : program.CommandLineArgs.Skip(1);
        commandLine = new WorkerCommandLine(processPath, [.. programArguments, marker]);
        return true;
    }
}
