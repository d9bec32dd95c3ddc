using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;
using Xunit.Abstractions;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>
/// A process initializer that always throws: the supervisor does not loop hot. It starts at most what the back-off
/// allows (the delay doubles from <c>RestartDelay</c> up to <c>MaxRestartDelay</c>, ±20 % jitter, one probe at a
/// time), the application spends little CPU on the storm, the pool fails after <c>MaxRestarts</c> failed starts
/// (puts refused at once, queued jobs failed, health Unhealthy), and it recovers by itself once the cause is fixed.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class RestartStormTests(ITestOutputHelper output)
{
    private const int Processes = 2;
    private const int MaxRestarts = 4;

    /// <summary>Failed starts to watch: with these delays the storm lasts about ten seconds.</summary>
    private const int StormFailures = 9;

    /// <summary>Spare for the time between the supervisor reading its clock and logging: a spawn is never early.</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMilliseconds(5);

    private static readonly TimeSpan RestartDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromMilliseconds(1600);

    [Fact]
    public async Task ProcessInitializerAlwaysThrows_SpawnsStayWithinTheBackOffAndCpuStaysLow_PoolFails_AndRecoversOnceFixed()
    {
        var stamps = new StampedLog();
        string fixFile = "";
        await using TestPool pool = await TestPool.StartAsync(
            o =>
            {
                o.Processes = Processes;
                o.RestartDelay = RestartDelay;
                o.MaxRestartDelay = MaxRestartDelay;
                o.MaxRestarts = MaxRestarts;
                o.RestartWindow = TimeSpan.FromMinutes(1);
                fixFile = Path.Combine(Path.GetDirectoryName(o.WorkerEnvironment["TestWorker__EventLog"])!, "fixed");
                o.WorkerEnvironment["TestWorker__FailProcessInitUnlessFileExists"] = fixFile;
            },
            services =>
            {
                services.AddSingleton<ILoggerProvider>(stamps);
                services.AddHealthChecks().AddMpms();
            });
        HealthCheckService health = pool.Host.Services.GetRequiredService<HealthCheckService>();

        // Accepted while the pool is only faulting: it cannot have failed yet, the back-off alone holds the fourth
        // failed start at least 0.8 × (200 + 400) ms away.
        MpmsJobHandle<TestResult>[] queued = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => pool.Queue.PutAsync(new TestJob("double", i)).AsTask()));

        await pool.WaitUntilAsync(s => s.Health == MpmsPoolHealth.Failed, "the pool to fail");
        TimeSpan cpuAtFailure = Process.GetCurrentProcess().TotalProcessorTime;
        long wallAtFailure = Stopwatch.GetTimestamp();

        // The jobs that waited end with the pool's failure; a put is refused at once, before anything is queued.
        foreach (MpmsJobHandle<TestResult> job in queued)
        {
            MpmsPoolFailedException failed = await Assert.ThrowsAsync<MpmsPoolFailedException>(() => job.Completion);
            Assert.Contains("failed to start", failed.Message, StringComparison.Ordinal);
            Assert.Equal(MpmsJobStatus.Failed, job.Status);
        }

        Assert.Throws<MpmsPoolFailedException>(() => { _ = pool.Queue.PutAsync(new TestJob("double", 9)); });
        Assert.Throws<MpmsPoolFailedException>(() => pool.Queue.TryPut(new TestJob("double", 9), out _));
        await Assert.ThrowsAsync<MpmsPoolFailedException>(() => pool.Queue.RunAsync(new TestJob("double", 9)));
        Assert.Equal(3, pool.Pool.GetStats().Accepted);
        HealthReport failedReport = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, failedReport.Status);
        Assert.Equal(("Running", "Failed"), (failedReport.Entries["mpms"].Data["State"], failedReport.Entries["mpms"].Data["Health"]));

        // The storm goes on, probing: watched through the supervisor's own lines until StormFailures failed starts.
        await pool.WaitUntilAsync(_ => Count(stamps, "StartFailed") >= StormFailures, $"{StormFailures} failed starts");
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuAtFailure;
        TimeSpan wall = Stopwatch.GetElapsedTime(wallAtFailure);

        IReadOnlyList<StampedEntry> log = stamps.Entries;
        StampedEntry[] failures = log.Where(e => e.EventName == "StartFailed").Take(StormFailures).ToArray();
        long end = failures[^1].Timestamp;
        StampedEntry[] storm = log.Where(e => e.Timestamp <= end).ToArray();
        StampedEntry[] spawns = storm.Where(e => e.EventName == "ProcessStarted").ToArray();
        TimeSpan elapsed = Stopwatch.GetElapsedTime(spawns[0].Timestamp, end);
        int bound = MaxSpawns(elapsed);
        output.WriteLine($"storm: {spawns.Length} processes started, {failures.Length} failed starts in {elapsed.TotalSeconds:0.0} s (back-off allows at most {bound}); " +
            $"application CPU {cpu.TotalMilliseconds:0} ms over {wall.TotalSeconds:0.0} s since the pool failed ({cpu / wall:P1} of one core)");

        Assert.True(spawns.Length <= bound, $"{spawns.Length} processes started in {elapsed}, the back-off allows {bound}");

        // Each failed start doubles the delay (within the jitter), up to the ceiling, and no probe starts before it is due.
        for (int i = 0; i < failures.Length; i++)
        {
            int count = (int)failures[i].Value("Failures")!;
            Assert.Equal(i + 1, count);
            var delay = (TimeSpan)failures[i].Value("Delay")!;
            double nominal = Math.Min(RestartDelay.TotalMilliseconds * Math.Pow(2, count - 1), MaxRestartDelay.TotalMilliseconds);
            Assert.InRange(delay.TotalMilliseconds, 0.8 * nominal, Math.Min(1.2 * nominal, MaxRestartDelay.TotalMilliseconds));
        }

        int starting = 0;
        StampedEntry? lastFailure = null;
        int spawned = 0;
        foreach (StampedEntry entry in storm)
        {
            if (entry.EventName == "ProcessStarted")
            {
                spawned++;
                starting++;
                if (spawned > Processes)
                {
                    // After the first ones, one probe at a time, and only once the back-off has passed.
                    Assert.True(starting <= 1, $"{starting} processes starting at once during the storm");
                    var due = (TimeSpan)lastFailure!.Value("Delay")!;
                    TimeSpan waited = Stopwatch.GetElapsedTime(lastFailure.Timestamp, entry.Timestamp);
                    Assert.True(waited >= due - ClockSlack, $"a probe started {waited} after a failed start whose back-off was {due}");
                }
            }
            else if (entry.EventName == "StartFailed")
            {
                starting--;
                lastFailure = entry;
            }
        }

        // A resource bound, not a speed figure: the storm must not keep a core of the application busy.
        Assert.True(cpu < wall * 0.25, $"the application used {cpu} of CPU in {wall} of storm");
        Assert.Equal(0, pool.Pool.GetStats().ProcessesReady);
        Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "PoolFailed");

        // Fixed: the next probe starts, the pool recovers by itself and fills up, puts are accepted, health is back.
        await File.WriteAllTextAsync(fixFile, "fixed");
        await pool.WaitUntilAsync(s => s.State == MpmsPoolState.Running && s.ProcessesReady == Processes, "the pool to recover");
        Assert.Single(pool.Logs.Entries, e => e.EventId.Name == "PoolRecovered");
        TestResult result = await pool.Queue.RunAsync(new TestJob("double", 21));
        Assert.Equal(42, result.Value);
        HealthReport recovered = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, recovered.Status);

        // Every started process ran the initializer once; the failed ones took no job.
        IReadOnlyList<WorkerEvent> events = pool.Events();
        Assert.Equal(pool.StartedProcessIds.Count, events.Count(e => e.Name == "process-init"));
        Assert.Equal(4, pool.Pool.GetStats().Accepted);
    }

    /// <summary>
    /// The most processes the back-off lets the supervisor start within <paramref name="elapsed"/> of its first start:
    /// <see cref="Processes"/> at once, then one probe after each failed start, the k-th failure holding the next
    /// probe back by at least 0.8 × min(RestartDelay × 2^(k−1), MaxRestartDelay). Starting a process takes time too,
    /// so the real number is lower.
    /// </summary>
    private static int MaxSpawns(TimeSpan elapsed)
    {
        int spawns = Processes;
        double waited = 0;
        for (int failures = Processes; ; failures++)
        {
            double nominal = Math.Min(RestartDelay.TotalMilliseconds * Math.Pow(2, failures - 1), MaxRestartDelay.TotalMilliseconds);
            waited += 0.8 * nominal;
            if (waited > elapsed.TotalMilliseconds)
            {
                return spawns;
            }

            spawns++;
        }
    }

    private static int Count(StampedLog log, string eventName) => log.Entries.Count(e => e.EventName == eventName);
}
