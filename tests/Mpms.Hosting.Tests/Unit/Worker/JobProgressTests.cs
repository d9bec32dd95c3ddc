using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;
using Mpms.Hosting.Worker;
using Microsoft.Extensions.Time.Testing;

namespace Mpms.Hosting.Tests.Unit.Worker;

/// <summary>
/// A job's progress from <see cref="MpmsJobContext.ReportProgress{TProgress}"/> to the link: serialised at once, at most
/// one frame per interval with the latest value winning, the last value before the outcome. Over an in-memory pipe pair
/// on a fake clock: no process, no sleep.
/// </summary>
public sealed class JobProgressTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

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
    public async Task ReportProgress_FirstValue_IsSentAtOnce()
    {
        ScriptedJob job = await RunAsync();

        job.Context.ReportProgress(7);

        Assert.Equal([(5L, "7")], Progress(await _tap.FramesUntilNowAsync()));
        await job.ReturnAsync();
    }

    [Fact]
    public async Task ReportProgress_WithinTheInterval_WaitsForItsEndAndOnlyTheLatestIsSent()
    {
        ScriptedJob job = await RunAsync();
        job.Context.ReportProgress(1);
        Assert.Single(Progress(await _tap.FramesUntilNowAsync()));

        job.Context.ReportProgress(2);
        job.Context.ReportProgress(3);
        _time.Advance(Interval - TimeSpan.FromTicks(1));
        Assert.Empty(await _tap.FramesUntilNowAsync());
        job.Context.ReportProgress(4);
        _time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal([(5L, "4")], Progress(await _tap.FramesUntilNowAsync()));
        await job.ReturnAsync();
    }

    [Fact]
    public async Task ReportProgress_AfterAQuietInterval_IsSentAtOnceAgain()
    {
        ScriptedJob job = await RunAsync();
        job.Context.ReportProgress(1);
        _time.Advance(Interval);

        job.Context.ReportProgress(2);

        Assert.Equal(["1", "2"], Progress(await _tap.FramesUntilNowAsync()).Select(p => p.Value));
        await job.ReturnAsync();
    }

    [Fact]
    public async Task ReportProgress_BurstOf10000_SendsTwoFramesTheLastValueJustBeforeTheResult()
    {
        ScriptedJob job = await RunAsync();

        for (int i = 1; i <= 10_000; i++)
        {
            job.Context.ReportProgress(i);
        }

        await job.ReturnAsync();
        List<(FrameType Type, byte[] Body)> frames = await _tap.FramesUntilNowAsync();
        Assert.Equal(["1", "10000"], Progress(frames).Select(p => p.Value));
        Assert.Equal([FrameType.Progress, FrameType.Progress, FrameType.Result], frames.Select(f => f.Type).Where(t => t != FrameType.Credit));
    }

    [Fact]
    public async Task ReportProgress_BurstOver10Intervals_SendsOneFramePerIntervalAndTheLastValue()
    {
        ScriptedJob job = await RunAsync();

        for (int i = 1; i <= 10_000; i++)
        {
            job.Context.ReportProgress(i);
            if (i % 1000 == 0)
            {
                _time.Advance(Interval);
            }
        }

        job.Context.ReportProgress(10_001);
        await job.ReturnAsync();
        List<(long Sequence, string Value)> sent = Progress(await _tap.FramesUntilNowAsync());
        Assert.Equal(["1", "1000", "2000", "3000", "4000", "5000", "6000", "7000", "8000", "9000", "10000", "10001"], sent.Select(p => p.Value));
    }

    [Fact]
    public async Task ReportProgress_AfterTheJobEnded_DoesNothing()
    {
        ScriptedJob job = await RunAsync();
        job.Context.ReportProgress(1);
        await job.ReturnAsync();
        Assert.Single(Progress(await _tap.FramesUntilNowAsync()));

        job.Context.ReportProgress(2);
        _time.Advance(Interval * 2);

        Assert.Empty(await _tap.FramesUntilNowAsync());
    }

    [Fact]
    public async Task ReportProgress_ValueWaitingWhenTheWatchdogGivesTheJobItsOutcome_IsNeverSentAfterIt()
    {
        TimeSpan timeout = TimeSpan.FromSeconds(3), grace = TimeSpan.FromSeconds(2);
        ScriptedJob job = await RunAsync(WorkerTestKit.Settings(jobTimeout: timeout) with { JobTimeoutGrace = grace }, startWatchdog: true);
        _time.Advance(timeout + grace - TimeSpan.FromMilliseconds(50));
        job.Context.ReportProgress(1);
        job.Context.ReportProgress(2); // waits for the interval's end

        _time.Advance(TimeSpan.FromMilliseconds(50)); // the job ignores its token: the watchdog reports it timed out
        _time.Advance(Interval); // the value waiting is due, but the job has its outcome
        job.Context.ReportProgress(3);

        List<(FrameType Type, byte[] Body)> frames = await _tap.FramesUntilNowAsync();
        Assert.Equal([FrameType.Progress, FrameType.Result, FrameType.Leaving], frames.Select(f => f.Type).Where(t => t is not FrameType.Heartbeat));
        Assert.Equal(["1"], Progress(frames).Select(p => p.Value));
        await job.ReturnAsync();
        Assert.Empty(Progress(await _tap.FramesUntilNowAsync()));
    }

    [Fact]
    public async Task ReportProgress_LargerThanMaxMessageSize_ThrowsInTheJobAndSendsNothing()
    {
        ScriptedJob job = await RunAsync(WorkerTestKit.Settings() with { MaxMessageSize = 1024 });

        MpmsSerializationException ex = Assert.Throws<MpmsSerializationException>(() => job.Context.ReportProgress(new string('x', 2000)));

        Assert.Contains("2002 bytes serialised, more than MaxMessageSize (1024)", ex.Message, StringComparison.Ordinal);
        Assert.Contains(job.Context.JobId, ex.Message, StringComparison.Ordinal);
        job.Context.ReportProgress(new string('x', 1022)); // exactly the limit
        Assert.Equal([1024], Progress(await _tap.FramesUntilNowAsync()).Select(p => p.Value.Length));
        await job.ReturnAsync();
    }

    [Fact]
    public async Task ReportProgress_ValueThatCannotBeSerialised_ThrowsMpmsSerializationExceptionNamingItsType()
    {
        ScriptedJob job = await RunAsync();

        MpmsSerializationException ex = Assert.Throws<MpmsSerializationException>(() => job.Context.ReportProgress(new Unserialisable()));

        Assert.Contains(typeof(Unserialisable).FullName!, ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.InnerException);
        job.Context.ReportProgress(1); // the failed value took nothing's place: the next one is the first sent
        Assert.Equal(["1"], Progress(await _tap.FramesUntilNowAsync()).Select(p => p.Value));
        await job.ReturnAsync();
    }

    [Fact]
    public async Task ReportProgress_JobInAnActivity_EachFrameSentIsAnMpmsProgressEventOfIt()
    {
        // Only this kit's pool ("test") is sampled, so that jobs of other tests running meanwhile make no activity.
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Mpms.Hosting",
            Sample = (ref ActivityCreationOptions<ActivityContext> options) => options.Name == "test process" ? ActivitySamplingResult.AllData : ActivitySamplingResult.None,
        };
        ActivitySource.AddActivityListener(listener);
        ScriptedJob job = await RunAsync();
        Activity activity = Assert.IsType<Activity>(job.Job.Activity);

        job.Context.ReportProgress(1);
        job.Context.ReportProgress(2);
        job.Context.ReportProgress(3);
        await job.ReturnAsync();

        Assert.Equal(["mpms.progress", "mpms.progress"], activity.Events.Select(e => e.Name));
        Assert.Equal(["1", "3"], Progress(await _tap.FramesUntilNowAsync()).Select(p => p.Value));
    }

    [Fact]
    public async Task ReportProgress_JobThatNeverReports_HasNoProgressState()
    {
        ScriptedJob job = await RunAsync();

        await job.ReturnAsync();

        Assert.Null(job.Job.Progress);
        Assert.Empty(Progress(await _tap.FramesUntilNowAsync()));
    }

    [Fact]
    public void ProgressFrame_WrittenAndRead_KeepsSequenceAndValue()
    {
        byte[] value = JsonSerializer.SerializeToUtf8Bytes(new { Step = 3, Of = 9 });

        (FrameType type, ReadOnlySequence<byte> body) = WorkerTestKit.Encode(new ProgressFrame(long.MaxValue - 1, value));
        ProgressFrame read = ProgressFrame.Read(Sequences.Bytewise(body.ToArray()));

        Assert.Equal(FrameType.Progress, type);
        Assert.Equal((byte)16, (byte)type);
        Assert.Equal(long.MaxValue - 1, read.Sequence);
        Assert.Equal(value, read.Value.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void ProgressFrame_BodyShorterThanASequence_IsAProtocolError(int length)
    {
        Assert.Throws<MpmsProtocolException>(() => ProgressFrame.Read(new ReadOnlySequence<byte>(new byte[length])));
    }

    private static List<(long Sequence, string Value)> Progress(List<(FrameType Type, byte[] Body)> frames) =>
        frames.Where(f => f.Type == FrameType.Progress)
            .Select(f => (BinaryPrimitives.ReadInt64LittleEndian(f.Body), System.Text.Encoding.UTF8.GetString(f.Body.AsSpan(8))))
            .ToList();

    /// <summary>Runs job 5 on a worker thread of a session, as the runtime would, until the test lets it return.</summary>
    private async Task<ScriptedJob> RunAsync(WorkerSettings? settings = null, bool startWatchdog = false)
    {
        var invoker = new ContextInvoker();
        _session = WorkerTestKit.Session(_tap, _time, (settings ?? WorkerTestKit.Settings()) with { ProgressInterval = Interval }, invoker);
        if (startWatchdog)
        {
            _session.Watchdog.Start();
        }

        WorkerTestKit.ThreadsLive(_session, 1);
        WorkerJob job = WorkerTestKit.Job(5);
        Assert.True(_session.Jobs.TryReceive(job));
        Assert.True(_session.Jobs.Queue.TryRead(out _));
        var thread = new WorkerThread(_session, 1);
        var threadContext = new MpmsThreadContext(_session.Process, 1, _session.Process.Services);
        IThreadJobInvoker threadInvoker = invoker.CreateForThread(_session.Process.Services);
        Task running = Task.Run(() => _session.Executor.ExecuteAsync(job, thread, threadContext, threadInvoker, lastForThread: false));
        MpmsJobContext context = await invoker.Started.WaitAsync(Wire.HangGuard);
        Assert.Equal([FrameType.Credit], await _tap.TypesUntilNowAsync());
        return new ScriptedJob(job, context, invoker, running);
    }

    private sealed record ScriptedJob(WorkerJob Job, MpmsJobContext Context, ContextInvoker Invoker, Task Running)
    {
        /// <summary>Lets the job return and waits until its thread has written its outcome.</summary>
        public async Task ReturnAsync()
        {
            Invoker.Release();
            await Running.WaitAsync(Wire.HangGuard);
        }
    }

    /// <summary>Hands the running job's context to the test, and returns when the test says.</summary>
    private sealed class ContextInvoker : IJobInvoker, IThreadJobInvoker
    {
        private readonly TaskCompletionSource<MpmsJobContext> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IMpmsSerializer Serializer { get; } = new MpmsJsonSerializer();

        public Task<MpmsJobContext> Started => _started.Task;

        public IThreadJobInvoker CreateForThread(IServiceProvider threadServices) => this;

        public void Release() => _release.TrySetResult();

        public async ValueTask InvokeAsync(ReadOnlyMemory<byte> payload, MpmsJobContext context, IBufferWriter<byte> result, CancellationToken cancellationToken)
        {
            _started.TrySetResult(context);
            await _release.Task;
            result.Write("\"done\""u8);
        }
    }

    /// <summary>A value System.Text.Json refuses to write.</summary>
    private sealed class Unserialisable
    {
        public IntPtr Handle { get; } = new(42);
    }
}
