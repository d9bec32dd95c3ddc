using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Parity;

/// <summary>
/// PARITY 9: <c>ReadResultsAsync</c> (<c>iter_results</c> of the original) yields every outcome and ends once the
/// queue is completed and every accepted job has its outcome; it needs <c>EnableResultStream</c>, and it cannot be
/// used together with a collector.
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class ResultStreamTests
{
    [Fact]
    public async Task ReadResultsAsync_EnableResultStream_YieldsEveryOutcomeAndEndsOnlyAfterCompleteAndTheLastOutcome()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 2;
            o.EnableResultStream = true;
        });
        await using IAsyncEnumerator<MpmsResult<TestJob, TestResult>> stream = pool.Pool.ReadResultsAsync().GetAsyncEnumerator();

        MpmsJobHandle<TestResult>[] first = await Task.WhenAll(
            Enumerable.Range(0, 8).Select(i => pool.Queue.PutAsync(new TestJob(i % 4 == 3 ? "throw" : "double", i)).AsTask()));
        var read = new List<MpmsResult<TestJob, TestResult>>();
        for (int i = 0; i < first.Length; i++)
        {
            Assert.True(await stream.MoveNextAsync());
            read.Add(stream.Current);
        }

        // Every job so far has its outcome, but the queue is not completed: the stream waits for more.
        ValueTask<bool> next = stream.MoveNextAsync();
        MpmsJobHandle<TestResult> late = await pool.Queue.PutAsync(new TestJob("double", 100));
        Assert.True(await next);
        read.Add(stream.Current);

        // Completed while a job still runs: the stream still gives that job's outcome, then ends.
        TestJob held = Jobs.HeldUntilReleased(pool, "last", 200);
        MpmsJobHandle<TestResult> last = await Jobs.PutRunningAsync(pool, held);
        pool.Pool.Complete();
        next = stream.MoveNextAsync();
        Jobs.Release(held);
        Assert.True(await next);
        read.Add(stream.Current);
        Assert.False(await stream.MoveNextAsync());

        MpmsJobHandle<TestResult>[] all = [.. first, late, last];
        Assert.Equal(all.Select(h => h.JobId).Order(StringComparer.Ordinal), read.Select(r => r.JobId).Order(StringComparer.Ordinal));
        Assert.Equal(late.JobId, read[8].JobId);
        Assert.Equal(last.JobId, read[9].JobId);
        Assert.Equal(200, read[9].Value!.Value);
        Assert.Equal(2, read.Count(r => r.Status == MpmsJobStatus.Failed));
        Assert.All(read.Where(r => r.Status == MpmsJobStatus.Failed), r => Assert.Equal("throw", r.Job.Op));
        Assert.All(read.Where(r => r.Succeeded), r => Assert.Equal(r.Job.Value * (r.Job.Op == "double" ? 2 : 1), r.Value!.Value));
        await pool.Pool.WaitForCompletionAsync();
    }

    [Fact]
    public async Task ReadResultsAsync_WithoutEnableResultStream_ThrowsNamingTheOption()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1);

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => pool.Pool.ReadResultsAsync());

        Assert.Contains("EnableResultStream", error.Message, StringComparison.Ordinal);
        Assert.Contains("TestWorker", error.Message, StringComparison.Ordinal);
        TestResult result = await pool.Queue.RunAsync(new TestJob("double", 2));
        Assert.Equal(4, result.Value);
    }

    [Fact]
    public async Task ReadResultsAsync_WithACollector_ThrowsSayingTheOutcomesGoToTheCollector()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1, RecordingCollector.Register);

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => pool.Pool.ReadResultsAsync());

        Assert.Contains("IMpmsCollector", error.Message, StringComparison.Ordinal);
        Assert.Contains("ReadResultsAsync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostStart_CollectorAndEnableResultStream_FailsWithOptionsValidationExceptionNamingEnableResultStream()
    {
        // Built here rather than by TestPool, whose constructor resolves the queue before the host starts.
        string directory = Directory.CreateTempSubdirectory("mpms-parity-").FullName;
        try
        {
            HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = directory });
            builder.Services.AddMpms<TestWorker.TestWorker>(o =>
            {
                o.WorkerCommand = TestPool.WorkerProgram;
                o.Processes = 1;
                o.EnableResultStream = true;
            });
            RecordingCollector.Register(builder.Services);
            using IHost host = builder.Build();

            OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

            Assert.Contains("EnableResultStream", error.Message, StringComparison.Ordinal);
            Assert.Contains("IMpmsCollector", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
