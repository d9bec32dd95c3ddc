using System.Diagnostics;

namespace Mpms.Hosting.RabbitMQ.Tests.MultiHost;

/// <summary>
/// One host of a multi-host test: the TestHost program started through <c>setsid</c>, so that it leads a process group
/// with its worker processes. A SIGKILL of the group is a whole host dying; SIGTERM to the host alone is a drain.
/// Disposing kills whatever of the group is left and waits for the host to be gone.
/// </summary>
internal sealed class HostProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    private HostProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    // Kept apart from the Process object, which forgets it once disposed: the group is checked after that.
    private int _id;

    /// <summary>Gets the TestHost program: next to the test assembly, or MPMS_TESTHOST_PROGRAM (a Release build, to measure speed).</summary>
    public static string Program { get; } = Environment.GetEnvironmentVariable("MPMS_TESTHOST_PROGRAM") is { Length: > 0 } program
        ? program
        : Path.Combine(AppContext.BaseDirectory, "Mpms.Hosting.RabbitMQ.TestHost");

    public string Name { get; }

    public int Id => _id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Gets everything the host wrote, for a failure's message.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines.TakeLast(60));
            }
        }
    }

    /// <summary>Starts a host named <paramref name="name"/> (TESTHOST_NAME) with the given settings and arguments.</summary>
    public static HostProcess Start(string name, IReadOnlyDictionary<string, string> settings, params string[] arguments)
    {
        var start = new ProcessStartInfo("setsid", [Program, .. arguments])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["TESTHOST_NAME"] = name;
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach ((string key, string value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var host = new HostProcess(name, process);
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.Start();
        host._id = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits for a line the host writes (or wrote) that <paramref name="match"/> accepts; fails past <paramref name="timeout"/> or if the host exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.FirstOrDefault(match) is { } already)
            {
                return already;
            }

            _waiters.Add((match, seen));
        }

        Task exited = _process.WaitForExitAsync();
        Task first = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (first != seen.Task)
        {
            throw new TimeoutException($"Host {Name} {(first == exited ? "exited" : "did not write the line in time")}; its output:{Environment.NewLine}{Output}");
        }

        return await seen.Task;
    }

    /// <summary>Asks the host to stop (SIGTERM to the host only): it drains, and its workers leave with it.</summary>
    public void Terminate() => Signal("-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>SIGKILLs the host and its worker processes at once: the group it leads.</summary>
    public void KillGroup() => Signal("-KILL", "-" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Waits for the host to exit; false when it is still running at the timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Whether any process of the host's group is alive: the host or one of its workers.</summary>
    public bool GroupAlive() => Directory.EnumerateDirectories("/proc").Any(dir =>
    {
        string stat;
        try
        {
            stat = File.ReadAllText(Path.Combine(dir, "stat"));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }

        // pid (comm) state ppid pgrp ...: the comm may hold spaces, so read after its closing parenthesis.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[0] != "Z" && fields[2] == Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    });

    /// <summary>Stops the host as an orchestrator would (SIGTERM, then SIGKILL of its group past 15 seconds), and waits for it.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Terminate();
            _process.WaitForExit(15_000);
        }

        if (GroupAlive())
        {
            KillGroup();
        }

        _process.WaitForExit(10_000);
        _process.Dispose();
    }

    private static void Signal(string signal, string target)
    {
        using Process? kill = Process.Start(new ProcessStartInfo("kill", [signal, "--", target]) { UseShellExecute = false });
        kill?.WaitForExit();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
