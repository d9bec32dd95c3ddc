using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>Many jobs in one call (<c>RunManyAsync</c>) through real worker processes: one outcome per job, each with its own fate.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class BulkRunTests
{
    [Fact]
    public async Task RunManyAsync_ManyJobs_YieldsOneOutcomePerJobWithItsValue()
    {
        await using TestPool pool = await TestPool.StartAsync();
        TestJob[] jobs = Enumerable.Range(0, 3000).Select(i => new TestJob("double", i)).ToArray();

        List<MpmsResult<TestJob, TestResult>> outcomes = await ReadAllAsync(pool.Queue.RunManyAsync(jobs));

        Assert.Equal(jobs.Length, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal((MpmsJobStatus.Succeeded, o.Job.Value * 2), (o.Status, o.Value!.Value)));
        Assert.Equal(Enumerable.Range(0, jobs.Length), outcomes.Select(o => o.Job.Value).Order());
        Assert.Equal(jobs.Length, outcomes.Select(o => o.JobId).Distinct().Count());
        Assert.Equal(jobs.Length, pool.Pool.GetStats().Succeeded);
    }

    [Fact]
    public async Task RunManyAsync_OneJobThrows_ItFailsWithTheWorkerExceptionAndTheOthersSucceed()
    {
        await using TestPool pool = await TestPool.StartAsync();
        TestJob[] jobs = Enumerable.Range(0, 40).Select(i => new TestJob(i == 17 ? "throw" : "double", i)).ToArray();

        List<MpmsResult<TestJob, TestResult>> outcomes = await ReadAllAsync(pool.Queue.RunManyAsync(jobs));

        MpmsResult<TestJob, TestResult> failed = Assert.Single(outcomes, o => o.Status != MpmsJobStatus.Succeeded);
        Assert.Equal((17, MpmsJobStatus.Failed), (failed.Job.Value, failed.Status));
        var exception = Assert.IsType<MpmsWorkerException>(failed.Exception);
        Assert.Equal(("System.InvalidOperationException", "boom 17"), (exception.RemoteType, exception.Message));
        Assert.Equal(39, outcomes.Count(o => o.Succeeded && o.Value!.Value == o.Job.Value * 2));
    }

    [Fact]
    public async Task RunManyAsync_JobTooLargeToSerialise_GetsItsOwnFailedOutcome()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.MaxMessageSize = 1024);
        TestJob[] jobs = Enumerable.Range(0, 10).Select(i => new TestJob("double", i, Path: i == 4 ? new string('x', 4096) : null)).ToArray();

        List<MpmsResult<TestJob, TestResult>> outcomes = await ReadAllAsync(pool.Queue.RunManyAsync(jobs));

        MpmsResult<TestJob, TestResult> failed = Assert.Single(outcomes, o => !o.Succeeded);
        Assert.Equal((4, MpmsJobStatus.Failed, (DateTimeOffset?)null), (failed.Job.Value, failed.Status, failed.StartedAt));
        Assert.IsType<MpmsSerializationException>(failed.Exception);
        Assert.Equal(9, outcomes.Count(o => o.Succeeded));
    }

    [Fact]
    public async Task RunManyAsync_CanceledMidStream_CancelsTheJobsOutAndAdmitsNoMore()
    {
        // 1 × 2 and 4 places: two jobs run, four wait (held ahead or queued), the pump waits for a place for the seventh.
        await using TestPool pool = await TestPool.StartAsync(o => (o.Processes, o.ThreadsPerProcess, o.QueueCapacity) = (1, 2, 4));
        string release = Path.Combine(pool.Directory, "release");
        using var cancel = new CancellationTokenSource();
        int pulled = 0;
        IEnumerable<TestJob> Endless()
        {
            while (true)
            {
                yield return new TestJob("wait-file", Interlocked.Increment(ref pulled), Path: release);
            }
        }

        IAsyncEnumerator<MpmsResult<TestJob, TestResult>> reader = pool.Queue.RunManyAsync(Endless(), cancel.Token).GetAsyncEnumerator();
        ValueTask<bool> first = reader.MoveNextAsync();
        await pool.WaitForEventsAsync(e => e.Count(x => x.Name == "job-waiting") == 2, "two jobs running");
        await pool.WaitUntilAsync(s => s.Accepted == 6, "six jobs admitted");

        cancel.Cancel();
        var outcomes = new List<MpmsResult<TestJob, TestResult>>();
        Task reading = ReadRestAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(TestPool.WaitCeiling));
        await reader.DisposeAsync();

        Assert.Equal(6, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(MpmsJobStatus.Canceled, o.Status));
        Assert.Equal(6, outcomes.Select(o => o.Job.Value).Distinct().Count());
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((6L, 6L), (stats.Accepted, stats.Canceled));

        async Task ReadRestAsync()
        {
            if (await first)
            {
                outcomes.Add(reader.Current);
                while (await reader.MoveNextAsync())
                {
                    outcomes.Add(reader.Current);
                }
            }
        }
    }

    [Fact]
    public async Task RunManyAsync_EnumerationLeftEarly_CancelsTheJobsStillOut()
    {
        await using TestPool pool = await TestPool.StartAsync(o => (o.Processes, o.ThreadsPerProcess, o.QueueCapacity) = (1, 2, 4));
        string release = Path.Combine(pool.Directory, "release");
        IEnumerable<TestJob> OneQuickThenWaiting()
        {
            yield return new TestJob("double", 21);
            for (int i = 0; ; i++)
            {
                yield return new TestJob("wait-file", i, Path: release);
            }
        }

        await using (IAsyncEnumerator<MpmsResult<TestJob, TestResult>> reader = pool.Queue.RunManyAsync(OneQuickThenWaiting()).GetAsyncEnumerator())
        {
            Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(TestPool.WaitCeiling));
            Assert.Equal((21, 42), (reader.Current.Job.Value, reader.Current.Value!.Value));
            await pool.WaitForEventsAsync(e => e.Count(x => x.Name == "job-waiting") == 2, "two jobs running");
            await pool.WaitUntilAsync(s => s.Accepted == 7, "the quick job and six waiting jobs admitted");
        }

        // Disposed without reading on: the six jobs out end canceled in the pool, and none is admitted after them.
        pool.Pool.Complete();
        await pool.Pool.WaitForCompletionAsync().WaitAsync(TestPool.WaitCeiling);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal((7L, 1L, 6L), (stats.Accepted, stats.Succeeded, stats.Canceled));
    }

    [Fact]
    public async Task RunManyAsync_PoolRetryPolicy_RetriesEachJobOnItsOwn()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Retry.MaxAttempts = 3;
            o.Retry.Delay = TimeSpan.Zero;
            o.Retry.ExceptionTypes.Add("InvalidOperationException");
        });

        // Value is the attempt that succeeds: 2 for ten jobs, 5 (never, with 3 attempts) for one.
        TestJob[] jobs = [.. Enumerable.Range(0, 10).Select(_ => new TestJob("throw-until", 2)), new TestJob("throw-until", 5)];
        List<MpmsResult<TestJob, TestResult>> outcomes = await ReadAllAsync(pool.Queue.RunManyAsync(jobs));

        Assert.Equal(11, outcomes.Count);
        Assert.All(outcomes.Where(o => o.Job.Value == 2), o => Assert.Equal((MpmsJobStatus.Succeeded, 2, 2), (o.Status, o.Attempt, o.Value!.Attempt)));
        MpmsResult<TestJob, TestResult> failed = Assert.Single(outcomes, o => o.Job.Value == 5);
        Assert.Equal((MpmsJobStatus.Failed, 3), (failed.Status, failed.Attempt));
        Assert.Equal(23, pool.Events().Count(e => e.Name == "job-attempt"));
    }

    [Fact]
    public async Task RunManyAsync_QueueSmallerThanTheBatch_CompletesEveryJob()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.QueueCapacity = 2);

        List<MpmsResult<TestJob, TestResult>> outcomes = await ReadAllAsync(
            pool.Queue.RunManyAsync(Source(500), new MpmsPutOptions { Priority = 1 }));

        Assert.Equal(Enumerable.Range(0, 500), outcomes.Where(o => o.Succeeded && o.Value!.Value == o.Job.Value * 2).Select(o => o.Job.Value).Order());
        Assert.Equal(500L, pool.Pool.GetStats().Accepted);

        static IEnumerable<TestJob> Source(int count)
        {
            for (int i = 0; i < count; i++)
            {
                yield return new TestJob("double", i);
            }
        }
    }

    [Fact]
    public async Task RunManyAsync_AsyncSource_RunsEveryJobItYields()
    {
        await using TestPool pool = await TestPool.StartAsync();

        List<MpmsResult<TestJob, TestResult>> outcomes = await ReadAllAsync(pool.Queue.RunManyAsync(Source()));

        Assert.Equal([0, 2, 4, 6, 8], outcomes.Select(o => o.Value!.Value).Order());

        static async IAsyncEnumerable<TestJob> Source()
        {
            for (int i = 0; i < 5; i++)
            {
                await Task.Yield();
                yield return new TestJob("double", i);
            }
        }
    }

    private static Task<List<MpmsResult<TestJob, TestResult>>> ReadAllAsync(IAsyncEnumerable<MpmsResult<TestJob, TestResult>> outcomes)
    {
        return Read().WaitAsync(TestPool.WaitCeiling);

        async Task<List<MpmsResult<TestJob, TestResult>>> Read()
        {
            var list = new List<MpmsResult<TestJob, TestResult>>();
            await foreach (MpmsResult<TestJob, TestResult> outcome in outcomes)
            {
                list.Add(outcome);
            }

            return list;
        }
    }
}
