using System.Diagnostics;
using System.Globalization;

namespace Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

/// <summary>
/// A program started through <c>setsid</c>, so that it leads a process group of its own: whatever it starts (the
/// Erlang VM's port helpers) stays in that group, and killing the group ends exactly what the tests started and nothing
/// else. Its output is kept (the last lines) for the message of a failure.
/// </summary>
/// <remarks>
/// <para>
/// <c>setsid</c> forks only when its caller already leads a group, which a freshly started child never does: it
/// becomes the leader and then runs the program in the same process, so the id the tests hold is the group's id.
/// </para>
/// <para>
/// A watcher in the group (a shell waiting on the program's standard input, whose other end only this process holds)
/// kills the group when that input closes: when the test process ends without stopping what it started (a crash, a
/// killed test host), the kernel closes the pipe and nothing of the group outlives it.
/// </para>
/// </remarks>
internal sealed class GroupLeaderProcess : IDisposable
{
    private const int KeptLines = 40;

    // Runs the program ($0 and its arguments) in place of the shell, after leaving a watcher in the group that reads
    // the shell's standard input (kept as fd 3: a background job's own input is /dev/null) and kills the whole group
    // (kill 0) once it is closed.
    private const string WatchThenRun = "exec 3<&0; (read -r _ <&3; kill -9 0) & exec \"$0\" \"$@\" 3<&-";

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GroupLeaderProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Completes with the first line the program writes. The group exists from the moment <c>setsid</c> has run, a
    /// little after <see cref="Start"/> returns; a line written by the program itself says it has.
    /// </summary>
    public Task<string> FirstLine => _firstLine.Task;

    /// <summary>The last lines the program wrote, standard output and error interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }

    public static GroupLeaderProcess Start(string program, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("setsid", ["sh", "-c", WatchThenRun, program, .. arguments])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        ApplyEnvironment(start, environment);

        var process = new Process { StartInfo = start };
        var started = new GroupLeaderProcess(process);
        process.OutputDataReceived += (_, e) => started.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => started.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        return started;
    }

    /// <summary>Runs a program to its end (a command-line tool) and returns its exit code and output; killed past the timeout.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string program, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        using GroupLeaderProcess tool = Start(program, arguments, workingDirectory, environment);
        bool exited = await tool.WaitForExitAsync(timeout);
        if (!exited)
        {
            tool.KillGroup();
            await tool.WaitForExitAsync(timeout);
            return (-1, tool.Output + Environment.NewLine + $"(killed after {timeout.TotalSeconds:0} s)");
        }

        return (tool._process.ExitCode, tool.Output);
    }

    /// <summary>Sets the child's environment: the given variables win, and no inherited RabbitMQ or Erlang setting leaks in.</summary>
    internal static void ApplyEnvironment(ProcessStartInfo start, IReadOnlyDictionary<string, string> environment)
    {
        foreach (string key in start.Environment.Keys.ToArray())
        {
            if (key.StartsWith("RABBITMQ_", StringComparison.Ordinal) || key.StartsWith("ERL_", StringComparison.Ordinal))
            {
                start.Environment.Remove(key);
            }
        }

        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }
    }

    /// <summary>Waits for the program to exit (and its output to be read); false if it is still running at the timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout, TimeProvider.System);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILLs every process still in the group this program leads (its own id), with the kill command.</summary>
    public void KillGroup()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-KILL", "--", "-" + Id.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        })!;

        // "No such process" when the group is already empty: nothing was left to end.
        kill.StandardError.ReadToEnd();
        kill.WaitForExit();
    }

    /// <summary>Whether any process of a group is still alive (a zombie waiting to be reaped does not count), read from /proc.</summary>
    public static bool GroupHasMembers(int group)
    {
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out int pid) && TryReadGroup(pid, out int member, out char state)
                && member == group && state is not ('Z' or 'X'))
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose() => _process.Dispose();

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _firstLine.TrySetResult(line);
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }
    }

    /// <summary>The process group of a process, or null when it is gone.</summary>
    public static int? ProcessGroupOf(int pid) => TryReadGroup(pid, out int group, out _) ? group : null;

    // /proc/<pid>/stat: "pid (comm) state ppid pgrp ...", and comm may hold spaces and parentheses.
    private static bool TryReadGroup(int pid, out int group, out char state)
    {
        group = 0;
        state = 'X';
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            state = fields[0][0];
            return int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out group);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
