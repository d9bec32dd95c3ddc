using System.Threading.Channels;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.Tests.Integration.Parity;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// Progress across the process boundary: a job in a worker process (or an in-process worker) reports
/// <see cref="TestProgress"/> values, the test reads them from the handle. The job moves on when the test creates a
/// file, so each step is seen before the next is reported; nothing here waits on time.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ProgressTests
{
    [Fact]
    public async Task ReadProgressAsync_JobReportsStepByStep_SeesEveryValueInOrderAndEndsWithTheJob()
    {
        await using TestPool pool = await StartAsync();
        string path = Path.Combine(pool.Directory, "step");

        MpmsJobHandle<TestResult> handle = await pool.Queue.PutAsync(new TestJob("progress-steps", 3, Path: path));

        var seen = new List<TestProgress>();
        await foreach (TestProgress progress in handle.ReadProgressAsync<TestProgress>().WithCancellation(Ceiling()))
        {
            seen.Add(progress);
            File.WriteAllText($"{path}.{progress.Step}", string.Empty); // lets the job report the next step, or return
        }

        Assert.Equal([new(1, 3), new(2, 3), new(3, 3)], seen);
        Assert.True(handle.Completion.IsCompleted, "The stream ended before the job did.");
        Assert.Equal(3, (await handle).Value);
    }

    [Fact]
    public async Task ReportProgressTo_Attached_GetsEveryValueInOrder()
    {
        await using TestPool pool = await StartAsync();
        string path = Path.Combine(pool.Directory, "step");
        var progress = new ChannelProgress();

        MpmsJobHandle<TestResult> handle = await pool.Queue.PutAsync(new TestJob("progress-steps", 3, Path: path));
        using IDisposable subscription = handle.ReportProgressTo(progress);

        for (int step = 1; step <= 3; step++)
        {
            Assert.Equal(new TestProgress(step, 3), await progress.NextAsync());
            File.WriteAllText($"{path}.{step}", string.Empty);
        }

        Assert.Equal(3, (await handle.Completion.WithinCeiling()).Value);
        Assert.Equal(3, progress.Count);
    }

    [Fact]
    public async Task ReadProgressAsync_LateSubscriber_GetsTheLatestValueFirst()
    {
        await using TestPool pool = await StartAsync();
        TestJob job = Jobs.HeldUntilReleased(pool, "burst", 1000) with { Op = "progress" };
        MpmsJobHandle<TestResult> handle = await pool.Queue.PutAsync(job);
        await using IAsyncEnumerator<TestProgress> early = handle.ReadProgressAsync<TestProgress>(Ceiling()).GetAsyncEnumerator();
        do
        {
            Assert.True(await early.MoveNextAsync(), "The stream ended before the job's last value.");
        }
        while (early.Current.Step < 1000);

        await using IAsyncEnumerator<TestProgress> late = handle.ReadProgressAsync<TestProgress>(Ceiling()).GetAsyncEnumerator();

        Assert.True(await late.MoveNextAsync());
        Assert.Equal(new TestProgress(1000, 1000), late.Current);
        Jobs.Release(job);
        Assert.False(await late.MoveNextAsync());
        Assert.False(await early.MoveNextAsync());
        Assert.Equal(1000, (await handle.Completion.WithinCeiling()).Value);
    }

    [Fact]
    public async Task ReadProgressAsync_BurstThenReturn_ValuesInOrderEndingWithTheLast()
    {
        await using TestPool pool = await StartAsync();

        MpmsJobHandle<TestResult> handle = await pool.Queue.PutAsync(new TestJob("progress", 10_000));
        List<TestProgress> seen = await ReadAllAsync(handle);

        Assert.Equal(new TestProgress(10_000, 10_000), seen[^1]);
        Assert.Equal(seen.Select(p => p.Step).Order(), seen.Select(p => p.Step));
        Assert.Equal(10_000, (await handle).Value);
    }

    [Fact]
    public async Task ReadProgressAsync_InProcess_SeesEveryStepAndTheBurstsLastValue()
    {
        await using TestPool pool = await StartAsync(inProcess: true);
        string path = Path.Combine(pool.Directory, "step");

        MpmsJobHandle<TestResult> steps = await pool.Queue.PutAsync(new TestJob("progress-steps", 2, Path: path));
        var seen = new List<TestProgress>();
        await foreach (TestProgress progress in steps.ReadProgressAsync<TestProgress>().WithCancellation(Ceiling()))
        {
            seen.Add(progress);
            File.WriteAllText($"{path}.{progress.Step}", string.Empty);
        }

        MpmsJobHandle<TestResult> burst = await pool.Queue.PutAsync(new TestJob("progress", 10_000));
        List<TestProgress> burstSeen = await ReadAllAsync(burst);

        Assert.Equal([new(1, 2), new(2, 2)], seen);
        Assert.Equal(new TestProgress(10_000, 10_000), burstSeen[^1]);
        Assert.Equal(10_000, (await burst).Value);
        Assert.Empty(pool.StartedProcessIds);
    }

    private static Task<TestPool> StartAsync(bool inProcess = false) =>
        TestPool.StartAsync(o => (o.Processes, o.ThreadsPerProcess) = (1, 1), inProcess: inProcess);

    private static CancellationToken Ceiling() => new CancellationTokenSource(TestPool.WaitCeiling).Token;

    private static async Task<List<TestProgress>> ReadAllAsync(MpmsJobHandle<TestResult> handle)
    {
        var seen = new List<TestProgress>();
        await foreach (TestProgress progress in handle.ReadProgressAsync<TestProgress>().WithCancellation(Ceiling()))
        {
            seen.Add(progress);
        }

        return seen;
    }

    /// <summary>An <see cref="IProgress{T}"/> that keeps what it is told, in order, for the test to wait on.</summary>
    private sealed class ChannelProgress : IProgress<TestProgress>
    {
        private readonly Channel<TestProgress> _values = Channel.CreateUnbounded<TestProgress>();
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Report(TestProgress value)
        {
            Interlocked.Increment(ref _count);
            _values.Writer.TryWrite(value);
        }

        public async Task<TestProgress> NextAsync() => await _values.Reader.ReadAsync().AsTask().WaitAsync(TestPool.WaitCeiling);
    }
}
