using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Registration;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Infrastructure;

/// <summary>
/// A real pool for a test: a Generic Host in the test process whose worker processes run the TestWorker program.
/// Disposing it stops the host and checks that every worker process it started is gone.
/// </summary>
public sealed class TestPool : IAsyncDisposable
{
    /// <summary>A generous ceiling for waits on events: reached only when a test is failing, never a timing assertion.</summary>
    public static readonly TimeSpan WaitCeiling = TimeSpan.FromSeconds(60);

    private readonly string _directory;
    private bool _hostDisposed;

    private TestPool(IHost host, string directory, ListLoggerProvider logs)
    {
        Host = host;
        _directory = directory;
        Logs = logs;
        Queue = host.Services.GetRequiredService<IMpmsQueue<TestJob, TestResult>>();
        Pool = host.Services.GetRequiredService<IMpmsPool<TestJob, TestResult>>();
        Supervisor = ((ISupervisedPool)Pool).Supervisor;
        Gate = ((ISupervisedPool)Pool).Gate;
    }

    /// <summary>Gets the path of the TestWorker program, next to the test assembly.</summary>
    public static string WorkerProgram { get; } = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Mpms.Hosting.TestWorker.exe" : "Mpms.Hosting.TestWorker");

    public IHost Host { get; }

    public IMpmsQueue<TestJob, TestResult> Queue { get; }

    public IMpmsQueue RoutingQueue => Host.Services.GetRequiredService<IMpmsQueue>();

    /// <summary>Gets the pool's control: complete it, wait for it, shut it down, read its counters and outcomes.</summary>
    public IMpmsPool<TestJob, TestResult> Pool { get; }

    internal PoolSupervisor Supervisor { get; }

    /// <summary>Gets the admission to the pool's queue, whose event tells when jobs were admitted.</summary>
    internal QueueGate Gate { get; }

    public ListLoggerProvider Logs { get; }

    /// <summary>Gets the file the worker processes write their events to.</summary>
    public string EventLogPath => Path.Combine(_directory, "events.log");

    /// <summary>Gets a private directory for the test's own files.</summary>
    public string Directory => _directory;

    /// <summary>Builds and starts a pool of TestWorker processes (2 × 2 unless <paramref name="configure"/> says otherwise).</summary>
    /// <param name="configure">Changes the pool's options.</param>
    /// <param name="services">Adds to the host's services.</param>
    /// <param name="shutdownTimeout">The host's shutdown timeout (30 seconds unless given).</param>
    /// <param name="applicationName">The host's application name, as a test host such as WebApplicationFactory sets it.</param>
    /// <param name="inProcess">
    /// Runs the pool with <see cref="MpmsExecutionMode.InProcess"/>: its workers are in this process, with the TestWorker
    /// program's services registered here (its behaviour configured through <see cref="TestBehaviour"/>, not the environment).
    /// </param>
    public static async Task<TestPool> StartAsync(
        Action<MpmsOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        TimeSpan? shutdownTimeout = null,
        string? applicationName = null,
        bool inProcess = false)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("mpms-test-").FullName;
        var logs = new ListLoggerProvider();
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = directory,
            ApplicationName = applicationName,
        });
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(30));
        builder.Services.AddMpms<TestWorker.TestWorker>(options =>
        {
            options.WorkerCommand = WorkerProgram;
            options.Processes = 2;
            options.ThreadsPerProcess = 2;
            options.RestartDelay = TimeSpan.FromMilliseconds(100);
            options.WorkerEnvironment["TestWorker__EventLog"] = Path.Combine(directory, "events.log");
            options.ExecutionMode = inProcess ? MpmsExecutionMode.InProcess : MpmsExecutionMode.Processes;
            configure?.Invoke(options);
        });
        if (inProcess)
        {
            // What the TestWorker program registers, here: in-process, its workers run on this container.
            builder.Services.Configure<TestBehaviour>(b => b.EventLog = Path.Combine(directory, "events.log"));
            builder.Services.AddSingleton<EventLog>();
            builder.Services.AddScoped<ThreadResource>();
            builder.Services.AddSingleton<IProcessInitializer, RecordingProcessInitializer>();
            builder.Services.AddScoped<IThreadInitializer, RecordingThreadInitializer>();
            builder.Services.AddScoped<IThreadFinalizer, RecordingThreadFinalizer>();
            builder.Services.AddSingleton<IProcessFinalizer, RecordingProcessFinalizer>();
        }

        services?.Invoke(builder.Services);
        IHost host = builder.Build();
        var pool = new TestPool(host, directory, logs);
        try
        {
            await host.StartAsync();
        }
        catch
        {
            await pool.DisposeAsync();
            throw;
        }

        return pool;
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, re-checking whenever the supervisor or a job changes something,
    /// or jobs are admitted.
    /// </summary>
    public async Task WaitUntilAsync(Func<MpmsPoolStats, bool> condition, string what)
    {
        var changed = new SemaphoreSlim(0);
        void OnChanged() => changed.Release();
        Supervisor.Changed += OnChanged;
        Gate.Admitted += OnChanged;
        Logs.Logged += OnLogged;
        try
        {
            using var ceiling = new CancellationTokenSource(WaitCeiling);
            while (!condition(Pool.GetStats()))
            {
                try
                {
                    await changed.WaitAsync(ceiling.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"Waited {WaitCeiling} for: {what}. Stats: {Pool.GetStats()}{Environment.NewLine}Log:{Environment.NewLine}{LogTail()}");
                }
            }
        }
        finally
        {
            Supervisor.Changed -= OnChanged;
            Gate.Admitted -= OnChanged;
            Logs.Logged -= OnLogged;
        }

        void OnLogged(LogEntry entry) => changed.Release();
    }

    /// <summary>The last lines of the pool's log, for failure messages.</summary>
    public string LogTail(int lines = 60) =>
        string.Join(Environment.NewLine, Logs.Entries.TakeLast(lines).Select(e => $"{e.Level} {e.Category}[{e.EventId.Id}] {e.Message}"));

    /// <summary>Waits until the pool has all its processes ready.</summary>
    public Task WaitForReadyAsync(int? processes = null) =>
        WaitUntilAsync(s => s.ProcessesReady >= (processes ?? Supervisor.ConfiguredProcesses), "all processes ready");

    /// <summary>Reads the events the worker processes wrote, in the order they wrote them.</summary>
    /// <remarks>A line a worker is writing right now (no newline yet) is left for the next read.</remarks>
    public IReadOnlyList<WorkerEvent> Events()
    {
        string text;
        try
        {
            using var stream = new FileStream(EventLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text = reader.ReadToEnd();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }

        int end = text.LastIndexOf('\n');
        return end < 0
            ? []
            : text[..end].Split('\n').Where(l => l.Length > 0).Select(WorkerEvent.Parse).ToArray();
    }

    /// <summary>
    /// Waits until the worker processes' events satisfy <paramref name="condition"/>, re-reading the event log whenever
    /// it changes (or the supervisor sees a change), and returns the events that did.
    /// </summary>
    public async Task<IReadOnlyList<WorkerEvent>> WaitForEventsAsync(Func<IReadOnlyList<WorkerEvent>, bool> condition, string what)
    {
        // Never disposed: a file notification may still arrive after the wait ended.
        var changed = new SemaphoreSlim(0);
        void OnChanged() => changed.Release();
        void OnFileChanged(object sender, FileSystemEventArgs e) => changed.Release();
        void OnWatcherError(object sender, ErrorEventArgs e) => changed.Release();
        using var watcher = new FileSystemWatcher(_directory, Path.GetFileName(EventLogPath))
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Created += OnFileChanged;
        watcher.Changed += OnFileChanged;
        watcher.Error += OnWatcherError;
        watcher.EnableRaisingEvents = true;
        Supervisor.Changed += OnChanged;
        try
        {
            using var ceiling = new CancellationTokenSource(WaitCeiling);
            while (true)
            {
                IReadOnlyList<WorkerEvent> events = Events();
                if (condition(events))
                {
                    return events;
                }

                try
                {
                    await changed.WaitAsync(ceiling.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"Waited {WaitCeiling} for: {what}. Events:{Environment.NewLine}{string.Join(Environment.NewLine, events)}");
                }
            }
        }
        finally
        {
            Supervisor.Changed -= OnChanged;
            watcher.EnableRaisingEvents = false;
        }
    }

    public async Task StopAsync()
    {
        using var ceiling = new CancellationTokenSource(WaitCeiling);
        await Host.StopAsync(ceiling.Token);
    }

    /// <summary>Gets the ids of every worker process the pool started.</summary>
    public IReadOnlyList<int> StartedProcessIds => Supervisor.StartedProcessIds;

    /// <summary>Disposes the host the way a careless application does: without stopping it first.</summary>
    public void DisposeHostWithoutStopping()
    {
        _hostDisposed = true;
        Host.Dispose();
    }

    /// <summary>Disposes the host asynchronously without stopping it first (an exception inside <c>await using</c>).</summary>
    public async ValueTask DisposeHostWithoutStoppingAsync()
    {
        _hostDisposed = true;
        await ((IAsyncDisposable)Host).DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_hostDisposed)
            {
                await StopAsync();
            }
        }
        finally
        {
            IReadOnlyList<int> started = StartedProcessIds;
            Host.Dispose();
            try
            {
                System.IO.Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }

            int[] alive = started.Where(pid => pid != Environment.ProcessId && ProcessProbe.IsAlive(pid)).ToArray();
            foreach (int pid in alive)
            {
                ProcessProbe.Kill(pid);
            }

            Assert.True(alive.Length == 0, $"Worker processes left behind: {string.Join(", ", alive)}");
        }
    }
}

/// <summary>One line of a worker's event log: <c>name pid managed-thread os-thread-name detail</c>.</summary>
public sealed record WorkerEvent(string Name, int ProcessId, int ManagedThreadId, string ThreadName, string Detail)
{
    public static WorkerEvent Parse(string line)
    {
        string[] parts = line.Split(' ', 5);
        return new WorkerEvent(parts[0], int.Parse(parts[1]), int.Parse(parts[2]), parts[3], parts[4]);
    }
}
