using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

/// <summary>The ring of a pool's latest failures that its dashboard shows: written on failure only, newest first, bounded.</summary>
public sealed class RecentFailuresTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Newest_OutcomesOfEveryKind_KeepsOnlyFailuresTimeoutsAndLostWorkersWithTheWorkersStackTrace()
    {
        using UnitPool<EchoJob, string> pool = Pools.Create(time: _time);
        PendingJob<EchoJob, string>[] jobs = [.. Enumerable.Range(0, 5).Select(i => Put(pool, $"j{i}"))];

        pool.TryFinish(jobs[0], MpmsJobStatus.Succeeded, "ok", null);
        pool.TryFinish(jobs[1], MpmsJobStatus.Failed, null, new MpmsWorkerException("System.InvalidOperationException", "boom", "   at Worker.Run()", "System.InvalidOperationException: boom\n   at Worker.Run()"), processId: 42, threadName: "mpms-UnitPool-p1#t2");
        pool.TryFinish(jobs[2], MpmsJobStatus.Canceled, null, new OperationCanceledException("asked"));
        pool.TryFinish(jobs[3], MpmsJobStatus.TimedOut, null, new MpmsJobTimeoutException("too long"));
        pool.TryFinish(jobs[4], MpmsJobStatus.WorkerLost, null, new MpmsWorkerLostException("mpms-UnitPool-p1", 42, MpmsProcessExitReason.Signaled, 137, 9));

        MpmsRecentFailure[] failures = pool.Queue.Ledger.Failures.Newest();

        Assert.Equal([jobs[4].JobId, jobs[3].JobId, jobs[1].JobId], failures.Select(f => f.JobId));
        Assert.Equal([MpmsJobStatus.WorkerLost, MpmsJobStatus.TimedOut, MpmsJobStatus.Failed], failures.Select(f => f.Status));
        MpmsRecentFailure thrown = failures[2];
        Assert.Equal(("System.InvalidOperationException", "boom", 42, "mpms-UnitPool-p1#t2", 1), (thrown.ExceptionType, thrown.Message, thrown.ProcessId, thrown.ThreadName, thrown.Attempt));
        Assert.Contains("at Worker.Run()", thrown.StackTrace, StringComparison.Ordinal);
        Assert.Equal(typeof(MpmsJobTimeoutException).FullName, failures[1].ExceptionType);
        Assert.Equal(_time.GetUtcNow(), thrown.FailedAt);
    }

    [Fact]
    public void Newest_MoreFailuresThanItHolds_KeepsTheLatestNewestFirst()
    {
        var ring = new RecentFailures();
        int total = RecentFailures.Capacity + 7;
        for (int i = 0; i < total; i++)
        {
            ring.Add($"job-{i}", 1, MpmsJobStatus.Failed, new InvalidOperationException($"boom {i}"), null, null, _time.GetUtcNow());
        }

        MpmsRecentFailure[] failures = ring.Newest();

        Assert.Equal(RecentFailures.Capacity, failures.Length);
        Assert.Equal($"job-{total - 1}", failures[0].JobId);
        Assert.Equal("job-7", failures[^1].JobId);
    }

    [Fact]
    public void Newest_NothingFailed_IsEmpty()
    {
        Assert.Empty(new RecentFailures().Newest());
    }

    private static PendingJob<EchoJob, string> Put(UnitPool<EchoJob, string> pool, string text)
    {
        Assert.True(pool.TryPut(new EchoJob(text), out MpmsJobHandle<string>? handle));
        return handle!.Pending<EchoJob, string>();
    }
}
