using System.Buffers.Binary;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;
using Mpms.Hosting.Worker;
using Microsoft.Extensions.Time.Testing;

namespace Mpms.Hosting.Tests.Unit.Worker;

public sealed class JobWatchdogTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new();
    private readonly OutboxTap _tap = new();
    private WorkerSession? _session;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }

        await _tap.DisposeAsync();
    }

    [Fact]
    public void Period_WithoutJobTimeout_IsTheHeartbeatInterval()
    {
        WorkerSession session = Start(jobTimeout: null, new EchoInvoker());

        Assert.Equal(Heartbeat, session.Watchdog.Period);
    }

    [Fact]
    public void Period_WithJobTimeout_IsFineEnoughForTimeouts()
    {
        WorkerSession session = Start(Timeout, new EchoInvoker());

        Assert.Equal(TimeSpan.FromMilliseconds(100), session.Watchdog.Period);
    }

    [Fact]
    public async Task Tick_BeforeTheHeartbeatInterval_SendsNothing()
    {
        Start(jobTimeout: null, new EchoInvoker());

        _time.Advance(Heartbeat - TimeSpan.FromTicks(1));

        Assert.Empty(await _tap.FramesUntilNowAsync());
    }

    [Fact]
    public async Task Tick_HeartbeatDue_SendsAHeartbeatListingTheRunningJobs()
    {
        var invoker = new HeldInvoker(honoursToken: true);
        WorkerSession session = Start(jobTimeout: null, invoker);
        (WorkerJob job, WorkerThread thread, Task running) = await RunJobAsync(session, 5);

        _time.Advance(Heartbeat);

        (FrameType type, byte[] body) = Assert.Single(await _tap.FramesUntilNowAsync());
        Assert.Equal(FrameType.Heartbeat, type);
        RunningJob listed = Assert.Single(HeartbeatFrame.Read(new(body)));
        Assert.Equal(new RunningJob(5, thread.Number, job.StartedTicks), listed);
        Assert.Equal(_time.GetUtcNow().UtcTicks - Heartbeat.Ticks, listed.StartedTicks);

        invoker.Release();
        await running.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task Tick_JobAtItsTimeout_SignalsItsTokenAndTheJobEndsTimedOut()
    {
        WorkerSession session = Start(Timeout, new HeldInvoker(honoursToken: true));
        (WorkerJob job, _, Task running) = await RunJobAsync(session, 5);

        _time.Advance(Timeout - TimeSpan.FromMilliseconds(100));
        Assert.False(job.Cancellation!.IsCancellationRequested);
        _time.Advance(TimeSpan.FromMilliseconds(100));

        await running.WaitAsync(Wire.HangGuard);
        Assert.Equal(CancelReason.TimedOut, job.CancelReason);
        List<(FrameType Type, byte[] Body)> frames = await _tap.FramesUntilNowAsync();
        ResultFrame result = ResultFrame.Read(new(frames.Single(f => f.Type == FrameType.Result).Body));
        Assert.Equal(WireStatus.TimedOut, result.Status);
        Assert.Equal(typeof(MpmsJobTimeoutException).FullName, result.Error!.Type);
        Assert.Null(session.Leave.Reason); // a job that honours its token does not recycle its process
    }

    [Fact]
    public async Task Tick_TokenSignalledAndStillWithinTheGrace_DoesNotGiveUpOnTheJob()
    {
        var invoker = new HeldInvoker(honoursToken: false);
        WorkerSession session = Start(Timeout, invoker);
        (WorkerJob job, WorkerThread thread, Task running) = await RunJobAsync(session, 5);

        _time.Advance(Timeout + Grace - TimeSpan.FromMilliseconds(100));

        Assert.True(job.Cancellation!.IsCancellationRequested);
        Assert.True(job.IsRunning);
        Assert.False(thread.Finished.IsCompleted);
        Assert.DoesNotContain(FrameType.Result, await _tap.TypesUntilNowAsync());

        invoker.Release();
        await running.WaitAsync(Wire.HangGuard);
    }

    [Fact]
    public async Task Tick_JobIgnoresItsTokenPastTheGrace_IsReportedTimedOutItsThreadGivenUpAndTheProcessRecycled()
    {
        var invoker = new HeldInvoker(honoursToken: false);
        WorkerSession session = Start(Timeout, invoker);
        (WorkerJob job, WorkerThread thread, Task running) = await RunJobAsync(session, 5);

        _time.Advance(Timeout + Grace);

        List<(FrameType Type, byte[] Body)> frames = await _tap.FramesUntilNowAsync();
        Assert.Equal([FrameType.Result, FrameType.Leaving], frames.Where(f => f.Type != FrameType.Heartbeat).Select(f => f.Type));
        ResultFrame result = ResultFrame.Read(new(frames.Single(f => f.Type == FrameType.Result).Body));
        Assert.Equal(5, result.Sequence);
        Assert.Equal(WireStatus.TimedOut, result.Status);
        Assert.Contains("ignored its token", result.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(MpmsProcessExitReason.JobTimeout, session.Leave.Reason);
        Assert.True(thread.Finished.IsCompleted);
        Assert.Equal(0, session.Ledger.Held);
        Assert.Equal(0, session.Ledger.Outstanding); // leaving before the credit was freed: none is asked for

        // The job returns at last: its late result is dropped, never a second outcome.
        invoker.Release();
        await running.WaitAsync(Wire.HangGuard);
        Assert.DoesNotContain(FrameType.Result, await _tap.TypesUntilNowAsync());
    }

    private WorkerSession Start(TimeSpan? jobTimeout, IJobInvoker invoker)
    {
        WorkerSettings settings = WorkerTestKit.Settings(jobTimeout: jobTimeout) with { JobTimeoutGrace = Grace, HeartbeatInterval = Heartbeat };
        _session = WorkerTestKit.Session(_tap, _time, settings, invoker);
        _session.Watchdog.Start();
        return _session;
    }

    /// <summary>Starts job <paramref name="sequence"/> on a thread of the session, as its worker thread would, and returns once it runs.</summary>
    private async Task<(WorkerJob Job, WorkerThread Thread, Task Running)> RunJobAsync(WorkerSession session, long sequence)
    {
        WorkerTestKit.ThreadsLive(session, 1);
        WorkerJob job = WorkerTestKit.Job(sequence);
        Assert.True(session.Jobs.TryReceive(job));
        Assert.True(session.Jobs.Queue.TryRead(out _));
        var thread = new WorkerThread(session, 1);
        var context = new MpmsThreadContext(session.Process, 1, session.Process.Services);
        IThreadJobInvoker invoker = session.Invoker.CreateForThread(session.Process.Services);
        Task running = Task.Run(() => session.Executor.ExecuteAsync(job, thread, context, invoker, lastForThread: false));
        await ((HeldInvoker)session.Invoker).Started.WaitAsync(Wire.HangGuard);
        Assert.Equal([FrameType.Credit], await _tap.TypesUntilNowAsync());
        return (job, thread, running);
    }
}
