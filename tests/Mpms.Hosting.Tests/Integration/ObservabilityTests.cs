using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

[Collection(IntegrationCollection.Name)]
public sealed class ObservabilityTests
{
    [Fact]
    public async Task WorkerLogger_StructuredLine_ArrivesInApplicationLogWithPoolProcessAndThreadTags()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1);

        TestResult result = await pool.Queue.RunAsync(new TestJob("log", 42));
        await pool.WaitUntilAsync(_ => FindWorkerLine(pool) is not null, "the worker's log line");

        LogEntry line = FindWorkerLine(pool)!;
        Assert.Equal(typeof(TestWorker.TestWorker).FullName, line.Category);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal($"Worker logged 42 for {result.JobId}", line.Message);
        Dictionary<string, object?> properties = line.State.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(42L, properties["JobValue"]);
        Assert.Equal("Worker logged {JobValue} for {JobId}", properties["{OriginalFormat}"]);
        Assert.Equal("TestWorker", properties["Pool"]);
        Assert.Equal((long)result.ProcessId, properties["ProcessId"]);
        Assert.Equal(result.ThreadName, properties["ThreadName"]);
    }

    [Fact]
    public async Task WorkerStandardError_Line_ArrivesAsWarning()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1);

        TestResult result = await pool.Queue.RunAsync(new TestJob("stderr", 7));
        await pool.WaitUntilAsync(_ => FindStandardError(pool) is not null, "the worker's standard error line");

        LogEntry line = FindStandardError(pool)!;
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal("Mpms.Hosting.Worker", line.Category);
        Assert.Contains($"{result.ProcessId}", line.Message);
    }

    [Fact]
    public async Task ForwardWorkerLogsOff_WorkerLine_IsNotForwardedAsEvent()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ForwardWorkerLogs = false;
        });

        await pool.Queue.RunAsync(new TestJob("log", 5));
        await pool.StopAsync();

        Assert.Null(FindWorkerLine(pool));
    }

    [Fact]
    public async Task Put_InsideActivity_WorkerActivityContinuesTheTrace()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Mpms.Hosting" || source.Name == nameof(ObservabilityTests),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource(nameof(ObservabilityTests));
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1);

        TestResult result;
        ActivityTraceId traceId;
        using (Activity request = source.StartActivity("request")!)
        {
            traceId = request.TraceId;
            result = await pool.Queue.RunAsync(new TestJob("trace"));
        }

        string[] trace = result.Extra!.ToString()!.Split('/');
        Assert.Equal(traceId.ToString(), trace[0]);
        Assert.NotEqual(default(ActivitySpanId).ToHexString(), trace[1]);
    }

    [Fact]
    public async Task Metrics_KnownRun_ReportEveryInstrument()
    {
        var longs = new List<(string Name, long Value, Dictionary<string, object?> Tags)>();
        var doubles = new List<(string Name, double Value)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Mpms.Hosting")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            lock (longs)
            {
                longs.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        meters.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (doubles)
            {
                doubles.Add((instrument.Name, value));
            }
        });
        meters.Start();
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 3;
        });

        MpmsJobHandle<TestResult>[] ok = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));
        MpmsJobHandle<TestResult>[] failed = await Task.WhenAll(Enumerable.Range(0, 2).Select(i => pool.Queue.PutAsync(new TestJob("throw", i)).AsTask()));
        await Task.WhenAll(ok.Select(h => h.Completion));
        await Assert.ThrowsAsync<MpmsWorkerException>(() => failed[0].Completion);
        await Assert.ThrowsAsync<MpmsWorkerException>(() => failed[1].Completion);

        // Alone in its process, so that it takes no other job down with it.
        MpmsJobHandle<TestResult> lost = await pool.Queue.PutAsync(new TestJob("crash"));
        await Assert.ThrowsAsync<MpmsWorkerLostException>(() => lost.Completion);
        await pool.WaitForReadyAsync();
        meters.RecordObservableInstruments();

        lock (longs)
        {
            Assert.Equal(13, longs.Where(m => m.Name == "mpms.jobs.enqueued" && (string?)m.Tags["mpms.pool"] == "TestWorker").Sum(m => m.Value));
            Assert.Equal(10, Completed("succeeded"));
            Assert.Equal(2, Completed("failed"));
            Assert.Equal(1, Completed("worker_lost"));
            Assert.Equal(1, longs.Where(m => m.Name == "mpms.process.restarts" && (string?)m.Tags["mpms.process.exit_reason"] == "signaled").Sum(m => m.Value));
            Assert.Contains(longs, m => m.Name == "mpms.processes.alive" && m.Value == 1);
            Assert.Contains(longs, m => m.Name == "mpms.queue.length" && m.Value == 0);
            Assert.Contains(longs, m => m.Name == "mpms.jobs.running" && m.Value == 0);
        }

        lock (doubles)
        {
            // Every job that started has a duration and a queue time; the lost one never reported its start.
            Assert.Equal(12, doubles.Count(m => m.Name == "mpms.job.duration"));
            Assert.Equal(12, doubles.Count(m => m.Name == "mpms.job.queue_time"));
            Assert.All(doubles, m => Assert.True(m.Value >= 0));
        }

        long Completed(string outcome) =>
            longs.Where(m => m.Name == "mpms.jobs.completed" && (string?)m.Tags["mpms.job.outcome"] == outcome).Sum(m => m.Value);
    }

    [Fact]
    public async Task HealthCheck_EveryProcessReady_IsHealthyWithCounts()
    {
        await using TestPool pool = await TestPool.StartAsync(
            o => o.Processes = 2,
            services => services.AddHealthChecks().AddMpms());
        await pool.WaitForReadyAsync();
        await pool.Queue.RunAsync(new TestJob("double", 1));

        HealthReport report = await pool.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(2, report.Entries["mpms"].Data["ProcessesReady"]);
        Assert.Equal(1L, report.Entries["mpms"].Data["Succeeded"]);
    }

    [Fact]
    public async Task HealthCheck_ProcessMissing_IsDegraded()
    {
        // The replacement of the crashed process fails to start, and the next attempt is far away: one of two is ready.
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 2;
                o.RestartDelay = TimeSpan.FromHours(1);
                o.MaxRestartDelay = TimeSpan.FromHours(1);
                o.WorkerEnvironment["TestWorker__FailProcessInitOfProcess"] = "3";
            },
            services => services.AddHealthChecks().AddMpms());
        await pool.WaitForReadyAsync();

        await Assert.ThrowsAsync<MpmsWorkerLostException>(async () => await pool.Queue.RunAsync(new TestJob("crash")));
        await pool.WaitUntilAsync(s => s.Health == MpmsPoolHealth.Faulted && s.ProcessesAlive == 1, "the replacement to fail");

        HealthReport report = await pool.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal(1, report.Entries["mpms"].Data["ProcessesReady"]);
    }

    [Fact]
    public async Task HealthCheck_PoolFailed_IsUnhealthy()
    {
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.MaxRestarts = 2;
                o.RestartDelay = TimeSpan.FromMilliseconds(20);
                o.WorkerEnvironment["TestWorker__FailProcessInit"] = "true";
            },
            services => services.AddHealthChecks().AddMpms());

        await pool.WaitUntilAsync(s => s.Health == MpmsPoolHealth.Failed, "the pool to fail");

        HealthReport report = await pool.Host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal(("Running", "Failed"), (report.Entries["mpms"].Data["State"], report.Entries["mpms"].Data["Health"]));
    }

    [Fact]
    public async Task HealthCheck_ThreadsBlockedAndQueueFilledUntilTryPutRefuses_IsDegradedUntilReleasedAndTheWindowHasPassed()
    {
        // The queue's clock is the test's; the supervisor keeps the real one, so processes start and beat as usual.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = 1;
                o.ThreadsPerProcess = 1;
                o.QueueCapacity = 2;
            },
            services =>
            {
                services.AddSingleton<TimeProvider>(time);
                services.AddHealthChecks().AddMpms();
            });
        HealthCheckService health = pool.Host.Services.GetRequiredService<HealthCheckService>();
        using WaitingJobs busy = await WaitingJobs.StartAsync(pool, count: 1);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        Assert.True(pool.Queue.TryPut(new TestJob("double", 1), out MpmsJobHandle<TestResult>? first));
        Assert.True(pool.Queue.TryPut(new TestJob("double", 2), out MpmsJobHandle<TestResult>? second));
        Assert.False(pool.Queue.TryPut(new TestJob("double", 3), out _));
        HealthReportEntry full = (await health.CheckHealthAsync()).Entries["mpms"];

        Assert.Equal(HealthStatus.Degraded, full.Status);
        Assert.Equal((2L, 2), (full.Data["Queued"], full.Data["QueueCapacity"]));
        Assert.Equal("pool TestWorker: queue full now (2 waiting, capacity 2).", full.Description);

        await busy.ReleaseAndWaitAsync();
        await Task.WhenAll(first!.Completion, second!.Completion).WaitAsync(TestPool.WaitCeiling);
        HealthReportEntry recent = (await health.CheckHealthAsync()).Entries["mpms"];
        Assert.Equal(HealthStatus.Degraded, recent.Status);
        Assert.Equal((0L, true), (recent.Data["Queued"], recent.Data["QueueFullRecently"]));

        time.Advance(new MpmsOptions().HealthQueueFullWindow + TimeSpan.FromSeconds(1));
        HealthReport healthy = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(false, healthy.Entries["mpms"].Data["QueueFullRecently"]);
    }

    private static LogEntry? FindWorkerLine(TestPool pool) =>
        pool.Logs.Entries.FirstOrDefault(e => e.Category == typeof(TestWorker.TestWorker).FullName && e.Message.StartsWith("Worker logged", StringComparison.Ordinal));

    private static LogEntry? FindStandardError(TestPool pool) =>
        pool.Logs.Entries.FirstOrDefault(e => e.Message.Contains("stderr line 7", StringComparison.Ordinal));
}
