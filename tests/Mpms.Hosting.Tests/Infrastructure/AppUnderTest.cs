using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Mpms.Hosting.Tests.Infrastructure;

/// <summary>
/// An application of the repository (a sample, the test web app) started as a real process with <c>dotnet app.dll</c>:
/// its output is collected line by line, waits are on lines and exit, and disposing it stops it (SIGTERM, then kill)
/// and kills any worker process of it that is left, failing the test if there was one.
/// </summary>
public sealed class AppUnderTest : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly HashSet<int> _children = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppUnderTest(Process process) => _process = process;

    public int ProcessId => _process.Id;

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

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Where the build put an application, from the test assembly's metadata (see the test project file).</summary>
    public static string PathOf(string assemblyName) =>
        typeof(AppUnderTest).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == assemblyName)?.Value
        ?? throw new InvalidOperationException($"The test assembly does not say where {assemblyName} was built.");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>dotnet &lt;assembly&gt;.dll</c> in its own output directory.</summary>
    public static AppUnderTest Start(string assemblyName, params string[] arguments) => StartAt(PathOf(assemblyName), arguments);

    /// <summary>Starts <c>dotnet &lt;dll&gt;</c> in the dll's directory: an application built outside this repository.</summary>
    public static AppUnderTest StartAt(string dll, params string[] arguments)
    {
        return Launch(DotnetHost(), [dll, .. arguments], Path.GetDirectoryName(dll)!);
    }

    /// <summary>Starts a published executable (self-contained, trimmed or native) in its own directory.</summary>
    public static AppUnderTest StartExecutable(string path, params string[] arguments) =>
        Launch(path, arguments, Path.GetDirectoryName(path)!);

    private static AppUnderTest Launch(string program, string[] arguments, string workingDirectory)
    {
        var startInfo = new ProcessStartInfo(program, arguments)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        var app = new AppUnderTest(new Process { StartInfo = startInfo, EnableRaisingEvents = true });
        app._process.OutputDataReceived += (_, e) => app.OnLine(e.Data);
        app._process.ErrorDataReceived += (_, e) => app.OnLine(e.Data);
        app._process.Exited += (_, _) => app.Pulse();
        app._process.Start();
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Waits for an output line that matches, re-checking on every new line; fails if the app exits first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what)
    {
        using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
        while (true)
        {
            Task changed;
            lock (_lines)
            {
                if (_lines.FirstOrDefault(match) is { } line)
                {
                    return line;
                }

                changed = _changed.Task;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The app exited ({_process.ExitCode}) before: {what}.{Environment.NewLine}{Output}");
            }

            try
            {
                await changed.WaitAsync(ceiling.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {TestPool.WaitCeiling} for: {what}.{Environment.NewLine}{Output}");
            }
        }
    }

    /// <summary>Waits for an HTTP endpoint to answer while the app starts: retried after each line the app prints.</summary>
    public async Task<HttpResponseMessage> WaitUntilAnsweringAsync(HttpClient client, string path)
    {
        using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
        while (true)
        {
            Task changed;
            lock (_lines)
            {
                changed = _changed.Task;
            }

            try
            {
                return await client.GetAsync(path, ceiling.Token);
            }
            catch (HttpRequestException) when (!_process.HasExited)
            {
                await changed.WaitAsync(ceiling.Token);
            }
        }
    }

    public async Task<int> WaitForExitAsync()
    {
        using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
        await _process.WaitForExitAsync(ceiling.Token);
        return _process.ExitCode;
    }

    /// <summary>Remembers the app's child processes now, so that they can be checked and cleaned up after it is gone.</summary>
    public IReadOnlyList<int> Children()
    {
        IReadOnlyList<int> children = ProcessProbe.ChildrenOf(_process.Id);
        lock (_children)
        {
            _children.UnionWith(children);
        }

        return children;
    }

    /// <summary>Sends SIGTERM and waits for the app to stop.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            Children();
            ProcessProbe.Signal(_process.Id, 15);
        }

        return await WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                Children();
                ProcessProbe.Signal(_process.Id, 15);
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            int[] left;
            lock (_children)
            {
                left = _children.Where(pid => !ProcessProbe.HasEnded(pid)).ToArray();
            }

            foreach (int pid in left)
            {
                ProcessProbe.Kill(pid);
            }

            _process.Dispose();
            Assert.True(left.Length == 0, $"Worker processes left behind: {string.Join(", ", left)}");
        }
    }

    internal static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }

        Pulse();
    }

    private void Pulse()
    {
        TaskCompletionSource changed;
        lock (_lines)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
