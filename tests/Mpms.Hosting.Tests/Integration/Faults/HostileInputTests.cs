using Microsoft.Extensions.DependencyInjection;
using Mpms.Hosting.Tests.Infrastructure;
using Mpms.Hosting.TestWorker;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>
/// What the API does with input it cannot carry: it refuses it where it is given, with an exception that says what
/// and why, accepts nothing of it, and the pool goes on. (Hostile bytes on the socket are covered by
/// <see cref="LinkSecurityTests"/> and the frame fuzz tests.)
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class HostileInputTests
{
    [Fact]
    public async Task NullJob_EveryWayToPutIt_ThrowsArgumentNullExceptionAndAcceptsNothing()
    {
        await using TestPool pool = await TestPool.StartAsync(o => o.Processes = 1);

        Assert.Throws<ArgumentNullException>(() => { _ = pool.Queue.PutAsync(null!); });
        Assert.Throws<ArgumentNullException>(() => pool.Queue.TryPut(null!, out _));
        await Assert.ThrowsAsync<ArgumentNullException>(() => pool.Queue.RunAsync(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await pool.RoutingQueue.PutAsync<TestResult>(null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => pool.RoutingQueue.RunAsync<TestResult>(null!));

        Assert.Equal(0, pool.Pool.GetStats().Accepted);
        Assert.Equal(2, (await pool.Queue.RunAsync(new TestJob("double", 1))).Value);
    }

    [Fact]
    public async Task JobTheSerializerCannotWrite_PutAsync_ThrowsMpmsSerializationExceptionNamingItsTypeAndAcceptsNothing()
    {
        // A second pool for a job type System.Text.Json refuses (it has an IntPtr). Its jobs never get as far as a
        // worker process, so its "worker program" is one that exits at once; it backs off for an hour after that.
        await using TestPool pool = await TestPool.StartAsync(
            o => o.Processes = 1,
            services => services.AddMpms<HandleWorker>(o =>
            {
                o.Processes = 1;
                o.WorkerCommand = "true";
                o.RestartDelay = TimeSpan.FromHours(1);
                o.MaxRestartDelay = TimeSpan.FromHours(1);
                o.MaxRestarts = 1000;
            }));
        IMpmsQueue<HandleJob, int> handles = pool.Host.Services.GetRequiredService<IMpmsQueue<HandleJob, int>>();
        var job = new HandleJob(new IntPtr(42));

        MpmsSerializationException direct = Assert.Throws<MpmsSerializationException>(() => { _ = handles.PutAsync(job); });
        MpmsSerializationException routed = await Assert.ThrowsAsync<MpmsSerializationException>(async () => await pool.RoutingQueue.PutAsync(job));
        await Assert.ThrowsAsync<MpmsSerializationException>(() => handles.RunAsync(job));
        Assert.Throws<MpmsSerializationException>(() => handles.TryPut(job, out _));

        foreach (MpmsSerializationException ex in new[] { direct, routed })
        {
            Assert.Contains($"'{typeof(HandleJob).FullName}'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("System.IntPtr", ex.Message, StringComparison.Ordinal);
            Assert.IsType<NotSupportedException>(ex.InnerException);
        }

        Assert.Equal(0, pool.Host.Services.GetRequiredKeyedService<IMpmsPool>(nameof(HandleWorker)).GetStats().Accepted);
        Assert.Equal(2, (await pool.Queue.RunAsync(new TestJob("double", 1))).Value);
    }

    [Fact]
    public async Task JobLargerThanMaxMessageSize_PutAsync_ThrowsMpmsSerializationExceptionAndAcceptsNothing()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.MaxMessageSize = 1024;
        });

        var huge = new TestJob("double", 1, Path: new string('x', 4096));
        MpmsSerializationException ex = Assert.Throws<MpmsSerializationException>(() => { _ = pool.Queue.PutAsync(huge); });
        Assert.Contains($"'{typeof(TestJob).FullName}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("more than MaxMessageSize (1024)", ex.Message, StringComparison.Ordinal);

        Assert.Equal(0, pool.Pool.GetStats().Accepted);
        Assert.Equal(2, (await pool.Queue.RunAsync(new TestJob("double", 1))).Value);
    }

    [Fact]
    public async Task ResultTheWorkerCannotSerialise_IsThatJobsFailedOutcomeNamingTheResultType_AndTheProcessGoesOn()
    {
        await using TestPool pool = await TestPool.StartAsync(o =>
        {
            o.Processes = 1;
            o.ThreadsPerProcess = 1;
        });
        await pool.WaitForReadyAsync();
        int pid = Assert.Single(pool.StartedProcessIds);

        MpmsJobHandle<TestResult> handle = await pool.Queue.PutAsync(new TestJob("unserializable"));
        MpmsSerializationException ex = await Assert.ThrowsAsync<MpmsSerializationException>(() => handle.Completion);
        Assert.Equal(MpmsJobStatus.Failed, handle.Status);
        Assert.Contains($"'{typeof(TestResult).FullName}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(handle.JobId, ex.Message, StringComparison.Ordinal);
        Assert.Contains("System.IntPtr", ex.Message, StringComparison.Ordinal);

        // The same process and thread take the next job: a result that cannot travel is an outcome, not a crash.
        TestResult next = await pool.Queue.RunAsync(new TestJob("double", 2));
        Assert.Equal(pid, next.ProcessId);
        MpmsPoolStats stats = pool.Pool.GetStats();
        Assert.Equal(1, stats.Failed);
        Assert.Equal(1, stats.Succeeded);
        Assert.Equal(0, stats.Restarts);
    }
}

/// <summary>A job System.Text.Json refuses to serialise: it does not write IntPtr values.</summary>
public sealed record HandleJob(IntPtr Handle) : IMpmsJob<int>;

/// <summary>The worker of <see cref="HandleJob"/>; it never runs, since its jobs cannot be put.</summary>
public sealed class HandleWorker : IMpmsWorker<HandleJob, int>
{
    public ValueTask<int> ExecuteAsync(HandleJob job, MpmsJobContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult((int)job.Handle);
}
