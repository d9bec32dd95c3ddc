using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mpms.Hosting.RabbitMQ.Tests.Infrastructure;
using Mpms.Hosting.RabbitMQ.TestHost;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using static Mpms.Hosting.RabbitMQ.Tests.Infrastructure.RabbitMqCollection;

namespace Mpms.Hosting.RabbitMQ.Tests.SingleHost;

/// <summary>
/// Retries of jobs whose worker threw, through the broker: decided on the host that ran the attempt, published again
/// (through a delay queue when they wait), and answered to the putting host once, for the last attempt.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RetryTests(RabbitMqBrokerFixture fixture) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mpms-retry-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task PutAsync_JobWithItsOwnPolicyThatFailsTwice_SucceedsAtAttempt3AfterThreeRuns()
    {
        string runs = Path.Combine(_directory, "runs");
        using IHost host = InProcessHost.Build(fixture, pool: o => o.EnableResultStream = true);
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();
            var pool = host.Services.GetRequiredService<IMpmsPool<HostJob, HostResult>>();

            // A delay, so that the retries go through the job's delay queues; the policy travels in the message.
            var retry = new MpmsRetryOptions { MaxAttempts = 3, Delay = TimeSpan.FromMilliseconds(20), BackoffType = MpmsBackoffType.Constant };
            MpmsJobHandle<HostResult> handle = await queue.PutAsync(new HostJob(1, 0, FailAttempts: 2, RunsFile: runs), new MpmsPutOptions { Retry = retry });
            HostResult result = await handle.Completion.WaitAsync(Patience);
            MpmsResult<HostJob, HostResult> outcome = await FirstResultAsync(pool);

            Assert.Equal(MpmsJobStatus.Succeeded, handle.Status);
            Assert.Equal(3, result.Attempt);
            Assert.Equal((handle.JobId, MpmsJobStatus.Succeeded, 3), (outcome.JobId, outcome.Status, outcome.Attempt));
            Assert.Equal(["1 1", "1 2", "1 3"], File.ReadAllLines(runs));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task RunAsync_PoolPolicyAndAnExceptionItDoesNotRetry_EndsFailedAfterOneAttempt()
    {
        string runs = Path.Combine(_directory, "runs");
        using IHost host = InProcessHost.Build(fixture, pool: o =>
        {
            o.Retry.MaxAttempts = 3;
            o.Retry.Delay = TimeSpan.Zero;
            o.Retry.ExceptionTypes.Add("InvalidOperationException");
        });
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();

            var refused = await Assert.ThrowsAsync<MpmsWorkerException>(() => queue.RunAsync(new HostJob(1, 0, FailAttempts: 5, Throws: "Argument", RunsFile: runs)).WaitAsync(Patience));
            var exhausted = await Assert.ThrowsAsync<MpmsWorkerException>(() => queue.RunAsync(new HostJob(2, 0, FailAttempts: 5, RunsFile: runs)).WaitAsync(Patience));

            Assert.Equal(("System.ArgumentException", 1), (refused.RemoteType, refused.Attempt));
            Assert.Equal(("System.InvalidOperationException", 3), (exhausted.RemoteType, exhausted.Attempt));
            Assert.Equal(["1 1", "2 1", "2 2", "2 3"], File.ReadAllLines(runs));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Cancel_JobWaitingOnTheBrokerForItsRetry_EndsCanceledAndItsDelayQueueIsGone()
    {
        string prefix = InProcessHost.NewPrefix();
        string runs = Path.Combine(_directory, "runs");
        // RetryPublished (3030, debug) is logged once the broker confirmed the retry in its delay queue.
        var retryPublished = new LogEventSignal(3030);
        using IHost host = InProcessHost.Build(fixture, prefix, services: s => s.AddLogging(b => b.AddProvider(retryPublished).AddFilter<LogEventSignal>(null, LogLevel.Debug)));
        await host.StartAsync();
        try
        {
            var queue = host.Services.GetRequiredService<IMpmsQueue<HostJob, HostResult>>();

            // The retry waits an hour: only a cancel can end the handle within the wait below.
            var retry = new MpmsRetryOptions { MaxAttempts = 2, Delay = TimeSpan.FromHours(1) };
            MpmsJobHandle<HostResult> handle = await queue.PutAsync(new HostJob(1, 0, FailAttempts: 1, RunsFile: runs), new MpmsPutOptions { Retry = retry });
            string delayQueue = $"{prefix}.HostWorker.delay.{handle.JobId}.2";
            await retryPublished.Logged.WaitAsync(Patience);
            Assert.True(await MessageCountAsync(delayQueue) > 0, "The retry was confirmed, but its delay queue holds no job.");
            handle.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handle.Completion.WaitAsync(Patience));
            Assert.Equal(MpmsJobStatus.Canceled, handle.Status);
            Assert.Equal(["1 1"], File.ReadAllLines(runs));
            Assert.False(await QueueExistsAsync(delayQueue), "The canceled job's delay queue is still on the broker.");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<MpmsResult<HostJob, HostResult>> FirstResultAsync(IMpmsPool<HostJob, HostResult> pool)
    {
        using var timeout = new CancellationTokenSource(Patience);
        await using IAsyncEnumerator<MpmsResult<HostJob, HostResult>> results = pool.ReadResultsAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await results.MoveNextAsync(), "The result stream ended without the job's outcome.");
        return results.Current;
    }

    private async Task<bool> QueueExistsAsync(string name) => await MessageCountAsync(name) is not null;

    private async Task<uint?> MessageCountAsync(string name)
    {
        await using IConnection connection = await fixture.Broker.ConnectAsync();

        // A passive declaration of a queue that is not there closes its channel: one channel per look.
        await using IChannel channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(name)).MessageCount;
        }
        catch (OperationInterruptedException)
        {
            return null;
        }
    }
}
