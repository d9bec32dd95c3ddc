using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using Mpms.Hosting.Tests.Infrastructure;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// "One program, two roles" with a real ASP.NET Core app (tests/Mpms.Hosting.TestWebApp): its pool uses the default
/// worker command, so its worker processes are the web app itself started again. The app is started as a process of
/// its own, as a user would run it, and looked at from outside through HTTP and /proc.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class WebApplicationRoleTests
{
    public enum Launch
    {
        /// <summary><c>dotnet app.dll</c>: the worker command is the dotnet host with the app's dll.</summary>
        DotnetHost,

        /// <summary>The app's own executable.</summary>
        AppHost,
    }

    [Theory]
    [InlineData(Launch.DotnetHost, "/jobs/routed")]
    [InlineData(Launch.DotnetHost, "/jobs/typed")]
    [InlineData(Launch.AppHost, "/jobs/routed")]
    public async Task Endpoint_RunsJob_InAWorkerProcessStartedByTheApp(Launch launch, string endpoint)
    {
        await using WebApp app = await WebApp.StartAsync(launch);

        JobAnswer answer = await app.GetAsync<JobAnswer>(endpoint);

        Assert.Equal(app.ProcessId, answer.AppProcessId);
        Assert.NotEqual(app.ProcessId, answer.WorkerProcessId);
        Assert.Equal(app.ProcessId, ProcessProbe.ParentOf(answer.WorkerProcessId));
        Assert.Contains(answer.WorkerProcessId, app.StartedWorkers());
        Assert.StartsWith("mpms-WhoAmIWorker-p", answer.WorkerThreadName, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Launch.DotnetHost)]
    [InlineData(Launch.AppHost)]
    public async Task WorkerProcesses_CommandLine_IsTheAppsWithThePoolsMarkerLast(Launch launch)
    {
        await using WebApp app = await WebApp.StartAsync(launch);

        JobAnswer answer = await app.GetAsync<JobAnswer>("/jobs/routed");

        // What ps -ef shows, and pgrep -f matches: the app's own command line, and the marker that tells a worker apart.
        string[] application = ProcessProbe.CommandLine(app.ProcessId)!;
        Assert.DoesNotContain(application, a => a.StartsWith("--mpms-worker", StringComparison.Ordinal));
        Assert.Equal([.. application, "--mpms-worker=WhoAmIWorker"], ProcessProbe.CommandLine(answer.WorkerProcessId)!);
    }

    [Fact]
    public async Task WorkerProcesses_DoNotHoldTheAppsListeningSocket()
    {
        await using WebApp app = await WebApp.StartAsync(Launch.DotnetHost);
        JobAnswer answer = await app.GetAsync<JobAnswer>("/jobs/routed");
        int[] workers = await app.WaitForReadyWorkersAsync(2);

        IReadOnlySet<string> listening = ProcessProbe.ListeningSockets(app.Port);

        // The app holds the socket Kestrel listens on: without this the check below could not fail.
        Assert.NotEmpty(listening);
        Assert.True(
            ProcessProbe.SocketsOf(app.ProcessId).Overlaps(listening),
            $"The app (pid {app.ProcessId}) holds none of the sockets listening on port {app.Port}: {string.Join(", ", listening)}.");
        Assert.Contains(answer.WorkerProcessId, workers);
        foreach (int worker in workers)
        {
            Assert.Equal(app.ProcessId, ProcessProbe.ParentOf(worker));
            string[] held = ProcessProbe.SocketsOf(worker).Intersect(listening).ToArray();
            Assert.True(held.Length == 0, $"Worker process {worker} holds the app's listening socket {string.Join(", ", held)} on port {app.Port}.");
        }
    }

    [Fact]
    public async Task Sigterm_StopsTheAppAndItsWorkers_AndOnlyTheAppRanItsBackgroundService()
    {
        await using WebApp app = await WebApp.StartAsync(Launch.DotnetHost);
        JobAnswer first = await app.GetAsync<JobAnswer>("/jobs/routed");
        JobAnswer second = await app.GetAsync<JobAnswer>("/jobs/typed");
        int[] workers = await app.WaitForReadyWorkersAsync(2);
        IReadOnlyList<int> children = ProcessProbe.ChildrenOf(app.ProcessId);
        Assert.Contains(first.WorkerProcessId, workers);
        Assert.Contains(second.WorkerProcessId, workers);

        ProcessProbe.Signal(app.ProcessId, 15);
        int exitCode = await app.WaitForExitAsync();

        Assert.True(exitCode == 0, $"The app exited with {exitCode} after SIGTERM.\n{app.Output}");
        int[] left = app.StartedWorkers().Concat(workers).Concat(children).Distinct().Where(ProcessProbe.IsAlive).ToArray();
        Assert.True(left.Length == 0, $"Processes of the app left after it stopped: {string.Join(", ", left)}.");

        // The background service appended its pid once, in the app; a worker process (the same program, with the same
        // configuration and arguments) that had started it would have appended its own.
        string[] marks = File.ReadAllLines(app.MarkerFile).Where(l => l.Length > 0).ToArray();
        Assert.Equal([app.ProcessId.ToString(CultureInfo.InvariantCulture)], marks);
    }

    [Fact]
    public async Task SigtermToTheAppAndItsWorkersAtOnce_StopsCleanly_AndStartsNoReplacement()
    {
        await using WebApp app = await WebApp.StartAsync(Launch.DotnetHost);
        await app.GetAsync<JobAnswer>("/jobs/routed");
        int[] workers = await app.WaitForReadyWorkersAsync(2);
        int startedBefore = app.StartedWorkers().Length;

        // What systemd's default KillMode=control-group, or kill -TERM -<pgid>, does: every process of the group at once.
        ProcessProbe.SignalAll(15, [app.ProcessId, .. workers]);
        int exitCode = await app.WaitForExitAsync();

        Assert.True(exitCode == 0, $"The app exited with {exitCode} after SIGTERM to its group.\n{app.Output}");
        Assert.True(app.StartedWorkers().Length == startedBefore, $"Worker processes were started after the group was signalled.\n{app.Output}");
        Assert.All(workers, worker => Assert.False(ProcessProbe.IsAlive(worker), $"Worker process {worker} outlived its application."));
    }

    /// <summary>What the web app's job endpoints answer.</summary>
    private sealed record JobAnswer(int AppProcessId, int WorkerProcessId, string? WorkerThreadName, string Queue);

    private sealed record MarkerAnswer(int ProcessId);

    /// <summary>
    /// The web app as a process: started on a free port with its logs as JSON lines on standard output, which the test
    /// reads as events (the app listening, worker processes started and ready). Disposing it kills whatever is left.
    /// </summary>
    private sealed class WebApp : IAsyncDisposable
    {
        private const int ProcessStartedId = 1001;
        private const int ProcessReadyId = 1002;
        private const string SupervisorCategory = "Mpms.Hosting.Supervisor";

        private readonly Process _process;
        private readonly string _directory;
        private readonly object _gate = new();
        private readonly List<string> _output = [];
        private readonly List<JsonElement> _logs = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private WebApp(Process process, string directory, int port)
        {
            _process = process;
            _directory = directory;
            Port = port;
            Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TestPool.WaitCeiling };
        }

        public int ProcessId { get; private set; }

        public int Port { get; }

        public HttpClient Client { get; }

        public string MarkerFile => Path.Combine(_directory, "marker.txt");

        public string Output
        {
            get
            {
                lock (_gate)
                {
                    return string.Join('\n', _output);
                }
            }
        }

        private static string AppDll { get; } =
            AppUnderTest.PathOf("Mpms.Hosting.TestWebApp");

        /// <summary>Starts the app and waits until it answers over HTTP and its background service has written its mark.</summary>
        public static async Task<WebApp> StartAsync(Launch launch)
        {
            string directory = Directory.CreateTempSubdirectory("mpms-webapp-").FullName;
            int port = FreePort();
            var startInfo = launch == Launch.DotnetHost
                ? new ProcessStartInfo(DotnetHost(), [AppDll])
                : new ProcessStartInfo(Path.ChangeExtension(AppDll, null));
            startInfo.UseShellExecute = false;
            startInfo.RedirectStandardOutput = true;
            startInfo.RedirectStandardError = true;
            startInfo.WorkingDirectory = directory;
            foreach (string argument in new[]
            {
                "--urls", $"http://127.0.0.1:{port}",
                $"--TestWebApp:MarkerFile={Path.Combine(directory, "marker.txt")}",
                "--Logging:Console:FormatterName=json",
                "--Logging:LogLevel:Mpms.Hosting=Debug",

                // Inside the test's directory, so that even an app that had to be killed leaves nothing behind.
                $"--Mpms:SocketDirectory={directory}",
            })
            {
                startInfo.ArgumentList.Add(argument);
            }

            var app = new WebApp(new Process { StartInfo = startInfo, EnableRaisingEvents = true }, directory, port);
            try
            {
                app.Start();
                MarkerAnswer marker = await app.WaitUntilAnsweringAsync<MarkerAnswer>("/marker");
                Assert.Equal(app.ProcessId, marker.ProcessId);
                return app;
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }

        public async Task<T> GetAsync<T>(string path)
        {
            using HttpResponseMessage response = await Client.GetAsync(path);
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {body}\n{Output}");
            return JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web)
                ?? throw new InvalidOperationException($"GET {path} answered null.");
        }

        /// <summary>The ids of the worker processes the app logged as started.</summary>
        public int[] StartedWorkers() => LoggedProcessIds(ProcessStartedId);

        /// <summary>Waits until the app has logged <paramref name="count"/> worker processes ready, and returns their ids.</summary>
        public Task<int[]> WaitForReadyWorkersAsync(int count) =>
            WaitForAsync(() => LoggedProcessIds(ProcessReadyId) is { } ready && ready.Length >= count ? ready : null, $"{count} worker processes ready");

        public async Task<int> WaitForExitAsync()
        {
            using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
            try
            {
                await _process.WaitForExitAsync(ceiling.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The app did not exit within {TestPool.WaitCeiling}.\n{Output}");
            }

            return _process.ExitCode;
        }

        /// <summary>Stops the app as a service manager would (SIGTERM), kills it if it does not exit, then kills what is left.</summary>
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            int[] workers = [.. StartedWorkers(), .. ProcessId > 0 && ProcessProbe.IsAlive(ProcessId) ? ProcessProbe.ChildrenOf(ProcessId) : []];
            if (ProcessId > 0 && !_process.HasExited)
            {
                ProcessProbe.Signal(ProcessId, 15);
                using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
                try
                {
                    await _process.WaitForExitAsync(ceiling.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }

            foreach (int worker in workers.Distinct().Where(ProcessProbe.IsAlive))
            {
                ProcessProbe.Kill(worker);
            }

            _process.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        private static int FreePort()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        /// <summary>The dotnet host that runs the tests, so the app runs on the same runtime.</summary>
        private static string DotnetHost() =>
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
            : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
            : "dotnet";

        private void Start()
        {
            _process.OutputDataReceived += (_, e) => OnLine(e.Data);
            _process.ErrorDataReceived += (_, e) => OnLine(e.Data is null ? null : "stderr: " + e.Data);
            _process.Exited += (_, _) => Pulse();
            _process.Start();
            ProcessId = _process.Id;
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        /// <summary>
        /// Asks <paramref name="path"/> until the app answers. While it starts the connection is refused; each line
        /// the app writes is a sign of progress and the moment to ask again, so there is no polling interval.
        /// </summary>
        private async Task<T> WaitUntilAnsweringAsync<T>(string path)
        {
            using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
            while (true)
            {
                Task changed = Changed;
                try
                {
                    return await GetAsync<T>(path);
                }
                catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                {
                }

                await WaitForChangeAsync(changed, ceiling.Token, $"the app to answer {path}");
            }
        }

        private async Task<T> WaitForAsync<T>(Func<T?> probe, string what)
            where T : class
        {
            using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
            while (true)
            {
                Task changed = Changed;
                if (probe() is { } found)
                {
                    return found;
                }

                await WaitForChangeAsync(changed, ceiling.Token, what);
            }
        }

        private async Task WaitForChangeAsync(Task changed, CancellationToken ceiling, string what)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The app exited with {_process.ExitCode} while the test waited for {what}.\n{Output}");
            }

            try
            {
                await changed.WaitAsync(ceiling);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {TestPool.WaitCeiling} for {what}.\n{Output}");
            }
        }

        private Task Changed
        {
            get
            {
                lock (_gate)
                {
                    return _changed.Task;
                }
            }
        }

        private int[] LoggedProcessIds(int eventId)
        {
            lock (_gate)
            {
                return _logs
                    .Where(l => l.TryGetProperty("Category", out JsonElement category) && category.ValueEquals(SupervisorCategory)
                        && l.TryGetProperty("EventId", out JsonElement id) && id.ValueKind == JsonValueKind.Number && id.GetInt32() == eventId)
                    .Select(l => l.GetProperty("State").GetProperty("ProcessId"))
                    .Select(p => p.ValueKind == JsonValueKind.Number ? p.GetInt32() : int.Parse(p.GetString()!, CultureInfo.InvariantCulture))
                    .Distinct()
                    .ToArray();
            }
        }

        private void OnLine(string? line)
        {
            if (line is not null)
            {
                lock (_gate)
                {
                    _output.Add(line);
                    if (line.StartsWith('{'))
                    {
                        try
                        {
                            using var document = JsonDocument.Parse(line);
                            _logs.Add(document.RootElement.Clone());
                        }
                        catch (JsonException)
                        {
                            // Not a log entry.
                        }
                    }
                }
            }

            Pulse();
        }

        private void Pulse()
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            changed.TrySetResult();
        }
    }
}
