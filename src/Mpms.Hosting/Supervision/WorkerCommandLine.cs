namespace Mpms.Hosting.Supervision;

/// <summary>The program and arguments a worker process is started with.</summary>
internal sealed record WorkerCommandLine(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>
    /// The configured command, or the running application itself: its apphost with its arguments, or
    /// <c>dotnet app.dll</c> with its arguments when it was started through the <c>dotnet</c> host.
    /// </summary>
    public static WorkerCommandLine For(MpmsOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.WorkerCommand))
        {
            return new WorkerCommandLine(options.WorkerCommand, options.WorkerArguments.ToArray());
        }

        string processPath = Environment.ProcessPath
            ?? throw new InvalidOperationException("The path of the running program is unknown, so it cannot be started again as a worker: set the option WorkerCommand.");

        // GetCommandLineArgs()[0] is the application's entry assembly (app.dll), the rest are the user's arguments.
        string[] args = Environment.GetCommandLineArgs();
        string host = Path.GetFileNameWithoutExtension(processPath);
        IEnumerable<string> arguments = string.Equals(host, "dotnet", StringComparison.OrdinalIgnoreCase) ? args : args.Skip(1);
        return new WorkerCommandLine(processPath, arguments.ToArray());
    }
}
