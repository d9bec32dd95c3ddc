using System.Collections.Concurrent;
using System.Diagnostics;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;
using Xunit.Abstractions;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>
/// 20,000 jobs through 3 processes × 4 threads while worker processes are SIGKILLed at random, every 100–300 ms:
/// every job gets exactly one outcome, the counters add up, every killed process is replaced, reaped (no zombie), and
/// nothing is left after the pool stops. The figures are printed for docs/reliability.md.
/// </summary>
/// <remarks>
/// The victims are processes that have returned at least one result, so every kill hits a process that was serving
/// jobs. A process killed while it is still starting counts as a failed start (see <see cref="RestartStormTests"/>):
/// picking victims among all live processes at this rate hits replacements before they are ready, and five such kills
/// within <c>RestartWindow</c> fail the pool by design (tried: after 8 kills in 2.6 s), which is another behaviour
/// than the one measured here. The run's length is mostly the starts of the replacements (about half a second of
/// CPU each); 20,000 jobs without kills take about 4 s on the same pool.
/// </remarks>
[Collection(IntegrationCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const int Jobs = 20_000;
    private const int SigKill = 9;

    [Fact]
    public async Task RandomSigkills_OnWorkerLostFail_EveryJobHasExactlyOneOutcome_SucceededOrWorkerLost()
    {
        ChaosRun run = await RunAsync(MpmsWorkerLostPolicy.Fail, maxAttempts: 3, seed: 1);

        MpmsPoolStats stats = run.Stats;
        Assert.True(run.Kills > 0, "the chaos task killed no process");
        Assert.True(stats.WorkerLost > 0, "no job was lost although processes running jobs were killed");
        Assert.Equal(Jobs, stats.Succeeded + stats.WorkerLost);
        Assert.Equal(0, stats.Failed + stats.TimedOut + stats.Canceled);
        Assert.Equal(stats.Succeeded, run.ByStatus.GetValueOrDefault(MpmsJobStatus.Succeeded));
        Assert.Equal(stats.WorkerLost, run.ByStatus.GetValueOrDefault(MpmsJobStatus.WorkerLost));

        // At the default prefetch a process holds jobs ahead too, but only the ones its 4 threads started are lost; the
        // others go back to the queue. A thread starts a job without waiting for its last result's write, never with two
        // unwritten: a kill loses at most 2 per thread, the job it runs and one that has just ended.
        Assert.True(stats.WorkerLost <= 2 * 4L * run.Kills, $"{stats.WorkerLost} jobs lost to {run.Kills} kills of 4-thread processes");
        Assert.All(run.Lost, lost =>
        {
            Assert.Equal(MpmsProcessExitReason.Signaled, lost.Reason);
            Assert.Equal(SigKill, lost.Signal);
            Assert.Contains(lost.ProcessId!.Value, run.Killed);
        });
    }

    [Fact]
    public async Task RandomSigkills_OnWorkerLostRetry_EveryJobSucceeds()
    {
        ChaosRun run = await RunAsync(MpmsWorkerLostPolicy.Retry, maxAttempts: 50, seed: 2);

        MpmsPoolStats stats = run.Stats;
        Assert.True(run.Kills > 0, "the chaos task killed no process");
        Assert.Equal(Jobs, stats.Succeeded);
        Assert.Equal(0, stats.Failed + stats.TimedOut + stats.WorkerLost + stats.Canceled);
        Assert.Equal(Jobs, run.ByStatus.GetValueOrDefault(MpmsJobStatus.Succeeded));

        // Jobs were really taken down and run again: the retries the supervisor logged are the attempts above 1.
        Assert.True(run.Retries > 0, "no job was retried although processes running jobs were killed");
        Assert.True(run.Retries <= 2 * 4L * run.Kills, $"{run.Retries} retries for {run.Kills} kills of 4-thread processes");
        Assert.Equal(run.Retries, run.ExtraAttempts);
    }

    private async Task<ChaosRun> RunAsync(MpmsWorkerLostPolicy policy, int maxAttempts, int seed)
    {
        var kills = new ConcurrentBag<int>();
        var serving = new ConcurrentDictionary<int, bool>();
        var outcomesPerTask = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var handles = new MpmsJobHandle<TestResult>[Jobs];
        var jobs = new TestJob[Jobs];
        var clock = new Stopwatch();
        IReadOnlyList<int> started;
        MpmsPoolStats stats;
        long retries;
        TimeSpan cpuBefore = TimeSpan.Zero;
        TimeSpan cpu = TimeSpan.Zero;
        string load = "";

        await using (TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 3;
            o.ThreadsPerProcess = 4;
            o.OnWorkerLost = policy;
            o.MaxAttempts = maxAttempts;
            o.EnableResultStream = true;
        }))
        {
            await pool.WaitForReadyAsync();

            // Every outcome, as the result stream sees it: a task id must come out once, never twice.
            Task reading = Task.Run(async () =>
            {
                await foreach (MpmsResult<TestJob, TestResult> result in pool.Pool.ReadResultsAsync())
                {
                    outcomesPerTask.AddOrUpdate(result.JobId, 1, (_, n) => n + 1);
                    if (result.Status == MpmsJobStatus.Succeeded && result.ProcessId is int pid)
                    {
                        serving.TryAdd(pid, true);
                    }
                }
            });

            using var stopKilling = new CancellationTokenSource();
            var chaos = new Random(seed);
            Task killer = Task.Run(async () =>
            {
                var killed = new HashSet<int>();
                while (true)
                {
                    // The interval is the behaviour under test (a kill every 100–300 ms), not a wait for something to happen.
                    try
                    {
                        await Task.Delay(chaos.Next(100, 301), stopKilling.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    int[] candidates = pool.StartedProcessIds
                        .Where(pid => serving.ContainsKey(pid) && !killed.Contains(pid) && ProcessProbe.IsAlive(pid))
                        .ToArray();
                    if (candidates.Length == 0)
                    {
                        continue;
                    }

                    int victim = candidates[chaos.Next(candidates.Length)];
                    killed.Add(victim);
                    kills.Add(victim);
                    ProcessProbe.Signal(victim, SigKill);
                }
            });

            var mix = new Random(seed);
            clock.Start();
            cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            for (int i = 0; i < Jobs; i++)
            {
                jobs[i] = i % 20 == 0 ? new TestJob("sleep", i, DelayMs: mix.Next(1, 6)) : new TestJob("double", i);
                handles[i] = await pool.Queue.PutAsync(jobs[i]);
            }

            Task all = Task.WhenAll(handles.Select(h => h.Completion));
            await all.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            Assert.True(all.IsCompleted, $"not every job has an outcome after 5 minutes: {pool.Pool.GetStats()}");
            clock.Stop();
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            await stopKilling.CancelAsync();
            await killer;

            // Every kill was of a live process, and each one is replaced.
            int killCount = kills.Count;
            await pool.WaitUntilAsync(s => s.Restarts == killCount && s.ProcessesReady == 3, $"{killCount} replacements ready");

            pool.Pool.Complete();
            await reading.WaitAsync(TestPool.WaitCeiling);
            stats = pool.Pool.GetStats();
            retries = pool.Logs.Entries.Count(e => e.EventId.Name == "JobRetried");
            await pool.StopAsync();

            // The pool reaped every child it started: none is a zombie, none is still its child.
            started = pool.StartedProcessIds;
            Assert.All(started, pid => Assert.NotEqual('Z', ProcessProbe.State(pid)));
            Assert.Empty(ProcessProbe.ChildrenOf(Environment.ProcessId).Intersect(started));
        }

        // The pool's counters, the handles and the result stream agree: one outcome per accepted job.
        Assert.Equal(Jobs, stats.Accepted);
        Assert.Equal(stats.Accepted, stats.Succeeded + stats.Failed + stats.TimedOut + stats.WorkerLost + stats.Canceled);
        Assert.Equal(0, stats.Queued + stats.Running);
        Assert.Equal(Jobs, outcomesPerTask.Count);
        Assert.All(outcomesPerTask, pair => Assert.Equal(1, pair.Value));
        Assert.Equal(Jobs, handles.Select(h => h.JobId).Distinct().Count());
        Assert.All(handles, h => Assert.True(outcomesPerTask.ContainsKey(h.JobId), $"task {h.JobId} has no outcome in the stream"));

        var byStatus = handles.GroupBy(h => h.Status).ToDictionary(g => g.Key, g => (long)g.Count());
        var lost = new List<MpmsWorkerLostException>();
        long extraAttempts = 0;
        for (int i = 0; i < Jobs; i++)
        {
            MpmsJobHandle<TestResult> handle = handles[i];
            Assert.True(handle.Completion.IsCompleted);
            if (handle.Status == MpmsJobStatus.Succeeded)
            {
                TestResult result = handle.Completion.Result;
                Assert.Equal(jobs[i].Op == "double" ? i * 2 : i, result.Value);
                Assert.Equal(handle.JobId, result.JobId);
                extraAttempts += result.Attempt - 1;
            }
            else
            {
                lost.Add(Assert.IsType<MpmsWorkerLostException>(handle.Completion.Exception!.InnerException));
            }
        }

        int[] killed = [.. kills];
        output.WriteLine($"chaos run: OnWorkerLost={policy}, MaxAttempts={maxAttempts}, seed={seed}, machine={Environment.ProcessorCount} cores");
        output.WriteLine($"jobs={Jobs} (every 20th a 1-5 ms sleep), processes=3 x 4 threads, kills={killed.Length}, duration={clock.Elapsed.TotalSeconds:0.0} s, application CPU={cpu.TotalSeconds:0.0} s, load average at the end={load}");
        output.WriteLine($"outcomes: succeeded={stats.Succeeded} failed={stats.Failed} timed_out={stats.TimedOut} worker_lost={stats.WorkerLost} canceled={stats.Canceled} accepted={stats.Accepted}");
        output.WriteLine($"restarts={stats.Restarts}, processes started={started.Count}, retries={retries}, zombies=0, left behind=0");
        return new ChaosRun(stats, byStatus, killed.Length, [.. killed], lost, retries, extraAttempts);
    }

    private sealed record ChaosRun(
        MpmsPoolStats Stats,
        Dictionary<MpmsJobStatus, long> ByStatus,
        int Kills,
        HashSet<int> Killed,
        List<MpmsWorkerLostException> Lost,
        long Retries,
        long ExtraAttempts);
}
