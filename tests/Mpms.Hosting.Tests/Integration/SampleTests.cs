using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mpms.Hosting.Tests.Infrastructure;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>The samples, run as README.md runs them: real processes, real worker processes, real HTTP.</summary>
[Collection(IntegrationCollection.Name)]
public sealed partial class SampleTests
{
    [Fact]
    public async Task ConsoleSample_Run_PrintsEveryInitializerAndTenResultsAndExitsWithNoWorkerLeft()
    {
        await using AppUnderTest app = AppUnderTest.Start("Mpms.Samples.Console");

        Assert.Equal(0, await app.WaitForExitAsync());

        IReadOnlyList<string> lines = app.Lines;
        int[] workers = lines.Select(l => ProcessInit().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToArray();
        Assert.Equal(2, workers.Distinct().Count());
        Assert.DoesNotContain(app.ProcessId, workers);
        Assert.Equal(6, lines.Count(l => ThreadInit().IsMatch(l)));
        for (int x = 0; x < 10; x++)
        {
            Assert.Contains($"Result: {x} * 2 = {x * 2}", lines);
        }

        Assert.Contains("Done: every worker process has exited.", lines);
        Assert.All(workers, pid => Assert.True(ProcessProbe.HasEnded(pid), $"worker {pid} is still running"));
    }

    [Fact]
    public async Task ConsoleSample_Demo_ShowsCollectorLifecyclesAndResultStream()
    {
        await using AppUnderTest app = AppUnderTest.Start("Mpms.Samples.Console", "--demo");

        Assert.Equal(0, await app.WaitForExitAsync());

        IReadOnlyList<string> lines = app.Lines;
        Assert.Equal(40, lines.Count(l => l.StartsWith("[collector] ", StringComparison.Ordinal) && l.Contains("(meta: [demo, collector])", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("== 40 of 40 succeeded;", StringComparison.Ordinal));
        Assert.Equal(5, lines.Count(l => l.StartsWith("[results] ", StringComparison.Ordinal)));

        // MaxJobsPerThread 5 with 40 jobs on 2 × 3 threads: at least one process was replaced.
        Assert.Contains(lines, l => Regex.IsMatch(l, @"on mpms-SquareWorker-p[3-9]#t\d"));
    }

    [Fact]
    public async Task AdvancedSample_Run_ProvesOneDatabasePoolPerProcessAndOneHttpClientPerThread()
    {
        await using AppUnderTest app = AppUnderTest.Start("Mpms.Samples.Advanced");

        Assert.Equal(0, await app.WaitForExitAsync());

        IReadOnlyList<string> lines = app.Lines;
        Assert.Equal(24, lines.Count(l => l.StartsWith("job ", StringComparison.Ordinal) && l.Contains("with db mpms-LookupWorker-p", StringComparison.Ordinal)));
        Assert.Contains("one database pool per process: True; one HTTP client per thread: True", lines);
        Assert.Contains(lines, l => l.Contains("Database pool", StringComparison.Ordinal) && l.Contains("closed in mpms-LookupWorker-p", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("HTTP session", StringComparison.Ordinal) && l.Contains("closed on mpms-LookupWorker-p", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WebApiSample_OverHttp_AcceptsRunsRefusesWhenFullAndReportsHealth()
    {
        int port = AppUnderTest.FreePort();
        await using AppUnderTest app = AppUnderTest.Start(
            "Mpms.Samples.WebApi",
            "--urls", $"http://127.0.0.1:{port}",
            "--Mpms:Processes=1",
            "--Mpms:ThreadsPerProcess=1",
            "--Mpms:QueueCapacity=2");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // Healthy once its worker process is ready.
        await app.WaitUntilAnsweringAsync(http, "/health");
        await WaitForAsync(async () => await HealthStatusAsync(http) == "Healthy", app, "health to be Healthy");

        // 202 with a Location to poll, then the result.
        HttpResponseMessage accepted = await http.PostAsJsonAsync("/api/jobs", new { size = 1024, rounds = 3 });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Uri location = accepted.Headers.Location!;
        JsonElement done = await http.GetFromJsonAsync<JsonElement>($"{location}?waitSeconds=60");
        Assert.Equal("Succeeded", done.GetProperty("status").GetString());
        int worker = done.GetProperty("result").GetProperty("processId").GetInt32();
        Assert.NotEqual(app.ProcessId, worker);
        Assert.StartsWith("mpms-ChecksumWorker-p1#t1", done.GetProperty("result").GetProperty("thread").GetString());

        // Run and wait.
        JsonElement ran = await (await http.PostAsJsonAsync("/api/jobs/run", new { size = 10 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(worker, ran.GetProperty("processId").GetInt32());

        // The only thread is held by a long job, two more fill the queue: the next one is refused with 429.
        string busy = await SubmitAsync(http, new { size = 1, delayMs = 600_000 });
        await WaitForAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{busy}")).GetProperty("status").GetString() == "Running", app, "the long job to run");
        string queued1 = await SubmitAsync(http, new { size = 1 });
        string queued2 = await SubmitAsync(http, new { size = 1 });
        HttpResponseMessage refused = await http.PostAsJsonAsync("/api/jobs", new { size = 1 });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);

        // While the queue is full the health says so, with the pool's figures (MpmsHealthResponseWriter's JSON).
        JsonElement health = await http.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("Degraded", health.GetProperty("status").GetString());
        JsonElement pool = health.GetProperty("entries").EnumerateObject().Single().Value;
        Assert.Equal(2, pool.GetProperty("data").GetProperty("QueueCapacity").GetInt32());

        // Canceling the long job lets the queued ones run.
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/jobs/{busy}")).StatusCode);
        foreach (string id in new[] { queued1, queued2, busy })
        {
            JsonElement outcome = await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}?waitSeconds=60");
            Assert.Equal(id == busy ? "Canceled" : "Succeeded", outcome.GetProperty("status").GetString());
        }

        // The worker never listens on the app's port; the app does.
        HashSet<string> listening = ProcessProbe.ListeningSockets(port);
        Assert.NotEmpty(listening);
        Assert.True(listening.Overlaps(ProcessProbe.SocketsOf(app.ProcessId)));
        Assert.False(listening.Overlaps(ProcessProbe.SocketsOf(worker)));

        // Stopped, it leaves no process (DisposeAsync checks the children seen).
        Assert.Contains(worker, app.Children());
        Assert.Equal(0, await app.StopAsync());
        Assert.True(ProcessProbe.HasEnded(worker));
    }

    private static async Task<string?> HealthStatusAsync(HttpClient http)
    {
        // Unhealthy answers 503 with the same body: read it whatever the status code.
        using HttpResponseMessage response = await http.GetAsync("/health");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString();
    }

    private static async Task<string> SubmitAsync(HttpClient http, object job)
    {
        HttpResponseMessage response = await http.PostAsJsonAsync("/api/jobs", job);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Polls an HTTP state until it is reached, re-checking after each line the app prints or each answer.</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, AppUnderTest app, string what)
        where T : struct
    {
        using var ceiling = new CancellationTokenSource(TestPool.WaitCeiling);
        while (!ceiling.IsCancellationRequested)
        {
            if (await probe() is T value)
            {
                return value;
            }

            // A state of another process read over HTTP: re-asked at a short interval, never assumed after a delay.
            await Task.Delay(20, ceiling.Token);
        }

        throw new TimeoutException($"Waited {TestPool.WaitCeiling} for: {what}.{Environment.NewLine}{app.Output}");
    }

    private static Task WaitForAsync(Func<Task<bool>> probe, AppUnderTest app, string what) =>
        WaitForAsync<bool>(async () => await probe() ? true : null, app, what);

    [GeneratedRegex(@"\[mpms-DoublingWorker-p\d+:\d+\] Process (\d+) \(mpms-DoublingWorker-p\d+\) initialized with config: \{ DbHost = localhost \}$")]
    private static partial Regex ProcessInit();

    [GeneratedRegex(@"Thread mpms-DoublingWorker-p\d+#t[123] \(process \d+\) initialized with name: Worker$")]
    private static partial Regex ThreadInit();
}
