using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// A full queue pushes back: <c>PutAsync</c> waits for room and <c>TryPut</c> refuses. The pool has one thread, held by
/// a waiting job, and a queue of two, so the queue's content is fixed until the test releases that thread.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class BackpressureTests
{
    [Fact]
    public async Task PutAsync_QueueFull_CompletesOnlyWhenAJobLeavesTheQueue()
    {
        await using TestPool pool = await StartFullPoolAsync();
        using WaitingJobs busy = await WaitingJobs.StartAsync(pool, count: 1);
        MpmsJobHandle<TestResult>[] queued = [await PutAsync(pool, 1), await PutAsync(pool, 2)];

        Task<MpmsJobHandle<TestResult>> waitingPut = pool.Queue.PutAsync(new TestJob("double", 3)).AsTask();

        // TryPut saw no room, and nothing can have left the queue since: the only thread is still held.
        Assert.False(pool.Queue.TryPut(new TestJob("double", 4), out _));
        Assert.False(waitingPut.IsCompleted, "PutAsync completed while the queue was full");
        MpmsPoolStats full = pool.Pool.GetStats();
        Assert.Equal(3, full.Accepted);
        Assert.Equal(2, full.Queued);

        busy.Release();
        MpmsJobHandle<TestResult> accepted = await waitingPut.WaitAsync(TestPool.WaitCeiling);
        TestResult[] results = await Task.WhenAll(queued.Append(accepted).Select(h => h.Completion)).WaitAsync(TestPool.WaitCeiling);
        await busy.Handles[0];

        Assert.Equal([2, 4, 6], results.Select(r => r.Value));
        MpmsPoolStats done = pool.Pool.GetStats();
        Assert.Equal(4, done.Accepted);
        Assert.Equal(4, done.Succeeded);
    }

    [Fact]
    public async Task TryPut_QueueFull_ReturnsFalseAndAcceptsNothingUntilRoomAppears()
    {
        await using TestPool pool = await StartFullPoolAsync();
        using WaitingJobs busy = await WaitingJobs.StartAsync(pool, count: 1);

        // The queue takes exactly its capacity, then refuses at once.
        Assert.True(pool.Queue.TryPut(new TestJob("double", 1), out MpmsJobHandle<TestResult>? first));
        Assert.True(pool.Queue.TryPut(new TestJob("double", 2), out MpmsJobHandle<TestResult>? second));
        Assert.False(pool.Queue.TryPut(new TestJob("double", 3), out MpmsJobHandle<TestResult>? refused));
        Assert.Null(refused);
        Assert.Equal(3, pool.Pool.GetStats().Accepted);

        // Once the thread is free the queue drains, and TryPut accepts again.
        TestResult[] results = [.. await busy.ReleaseAndWaitAsync(), await first, await second];
        Assert.True(pool.Queue.TryPut(new TestJob("double", 4), out MpmsJobHandle<TestResult>? later));
        Assert.Equal(8, (await later).Value);
        Assert.Equal([2, 4], results.Skip(1).Select(r => r.Value));
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(4, stats.Accepted);
        Assert.Equal(4, stats.Succeeded);
    }

    private static Task<TestPool> StartFullPoolAsync() => TestPool.StartAsync(o =>
    {
        o.Processes = 1;
        o.ThreadsPerProcess = 1;
        o.QueueCapacity = 2;
    });

    private static async Task<MpmsJobHandle<TestResult>> PutAsync(TestPool pool, int value)
    {
        ValueTask<MpmsJobHandle<TestResult>> put = pool.Queue.PutAsync(new TestJob("double", value));
        Assert.True(put.IsCompleted, $"PutAsync of job {value} waited although the queue had room");
        return await put;
    }
}
