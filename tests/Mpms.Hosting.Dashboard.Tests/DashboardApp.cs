using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mpms.Hosting.Dashboard;
using Mpms.Hosting.Registration;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Dashboard.Tests;

/// <summary>
/// An ASP.NET Core application under test: Kestrel on 127.0.0.1 at a free port, a real pool of TestWorker processes
/// (2 × 2), and the dashboard mapped at <c>/mpms</c>. Disposing it stops the application and checks that every worker
/// process it started is gone.
/// </summary>
internal sealed class DashboardApp : IAsyncDisposable
{
    /// <summary>A generous ceiling for waits on events: reached only when a test is failing, never a timing assertion.</summary>
    public static readonly TimeSpan WaitCeiling = TimeSpan.FromSeconds(60);

    private readonly WebApplication _app;
    private readonly string _directory;

    private DashboardApp(WebApplication app, string directory, Uri address)
    {
        _app = app;
        _directory = directory;
        Address = address;
        Pool = app.Services.GetRequiredService<IMpmsPool<TestJob, TestResult>>();
        Queue = app.Services.GetRequiredService<IMpmsQueue<TestJob, TestResult>>();
        Supervisor = ((ISupervisedPool)Pool).Supervisor;
        Client = new HttpClient { BaseAddress = address };
    }

    /// <summary>Gets the path of the TestWorker program, in its own output directory (the build writes it into this assembly).</summary>
    public static string WorkerProgram { get; } = Path.ChangeExtension(
        typeof(DashboardApp).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Mpms.Hosting.TestWorker").Value!,
        OperatingSystem.IsWindows() ? ".exe" : null);

    /// <summary>Gets the application's address, <c>http://127.0.0.1:&lt;port&gt;/</c>.</summary>
    public Uri Address { get; }

    public IMpmsPool<TestJob, TestResult> Pool { get; }

    public IMpmsQueue<TestJob, TestResult> Queue { get; }

    public HttpClient Client { get; }

    internal PoolSupervisor Supervisor { get; }

    /// <summary>Starts the application with the dashboard mapped as <paramref name="dashboard"/> says.</summary>
    public static async Task<DashboardApp> StartAsync(Action<MpmsDashboardOptions>? dashboard = null)
    {
        string directory = Directory.CreateTempSubdirectory("mpms-dashboard-test-").FullName;
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = directory });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("MPMS_TEST_CONSOLE_LOG") == "1")
        {
            builder.Logging.AddSimpleConsole();
        }
        builder.Services.AddMpms<TestWorker.TestWorker>(options =>
        {
            options.WorkerCommand = WorkerProgram;
            options.Processes = 2;
            options.ThreadsPerProcess = 2;
            options.RestartDelay = TimeSpan.FromMilliseconds(100);
            options.WorkerEnvironment["TestWorker__EventLog"] = Path.Combine(directory, "events.log");
        });
        WebApplication app = builder.Build();
        var options = new MpmsDashboardOptions();
        dashboard?.Invoke(options);
        app.MapMpmsDashboard("/mpms", options);
        await app.StartAsync();

        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        var running = new DashboardApp(app, directory, new Uri(address.TrimEnd('/') + "/"));
        try
        {
            await running.WaitUntilAsync(s => s.ProcessesReady == 2, "both processes ready");
        }
        catch
        {
            await running.DisposeAsync();
            throw;
        }

        return running;
    }

    /// <summary>Reads <c>/mpms/api/pools</c> and returns the one pool in it.</summary>
    public async Task<JsonElement> GetPoolJsonAsync()
    {
        using HttpResponseMessage response = await Client.GetAsync(new Uri("mpms/api/pools", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return Assert.Single(document.RootElement.GetProperty("pools").EnumerateArray()).Clone();
    }

    /// <summary>Waits until <paramref name="condition"/> holds, re-checking whenever the supervisor sees a change.</summary>
    public async Task WaitUntilAsync(Func<MpmsPoolStats, bool> condition, string what)
    {
        using var changed = new SemaphoreSlim(0);
        void OnChanged() => changed.Release();
        Supervisor.Changed += OnChanged;
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
                    throw new TimeoutException($"Waited {WaitCeiling} for: {what}. Stats: {Pool.GetStats()}");
                }
            }
        }
        finally
        {
            Supervisor.Changed -= OnChanged;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        IReadOnlyList<int> started = Supervisor.StartedProcessIds;
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }

        int[] left = [.. started.Where(IsAlive)];
        Assert.True(left.Length == 0, $"Worker processes outlived the application: {string.Join(", ", left)}.");
    }

    /// <summary>Tells whether a process of that id still runs (a zombie, ended and not reaped, does not).</summary>
    public static bool IsAlive(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
