using System.Buffers;
using Microsoft.Extensions.Logging;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Protocol;

/// <summary>
/// Frames through two <see cref="Link"/>s over an in-memory pipe pair: every frame type arrives with its content, a
/// concurrent burst arrives complete and in order. No socket, no process.
/// </summary>
public sealed class LinkTests
{
    private const int MaxBody = 1024 * 1024;

    public static TheoryData<MpmsProcessExitReason> ExitReasons => [.. Enum.GetValues<MpmsProcessExitReason>()];

    public static TheoryData<byte> FailureStatuses => [(byte)WireStatus.Failed, (byte)WireStatus.TimedOut, (byte)WireStatus.Canceled];

    [Fact]
    public async Task RunAsync_JobWithTraceParentAndPayload_ArrivesWithEqualContent()
    {
        const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        byte[] payload = Bytes(3000, seed: 7);

        ReadOnlySequence<byte> body = await SendOneAsync(new JobFrame(42, 0x0123_4567_89AB_CDEF, 3, TraceParent, payload), FrameType.Job);
        JobFrame job = JobFrame.Read(body);

        Assert.Equal((42L, 0x0123_4567_89AB_CDEFL, 3, TraceParent), (job.Sequence, job.IdHigh, job.Attempt, job.TraceParent));
        Assert.Equal(payload, job.Payload.ToArray());
    }

    [Fact]
    public async Task RunAsync_JobWithoutTraceParentOrPayload_ArrivesWithNeither()
    {
        ReadOnlySequence<byte> body = await SendOneAsync(new JobFrame(long.MaxValue, -1, 1, null, ReadOnlyMemory<byte>.Empty), FrameType.Job);
        JobFrame job = JobFrame.Read(body);

        Assert.Equal((long.MaxValue, -1L, 1, (string?)null), (job.Sequence, job.IdHigh, job.Attempt, job.TraceParent));
        Assert.True(job.Payload.IsEmpty);
    }

    [Fact]
    public async Task RunAsync_SuccessfulResult_ArrivesWithItsTimesThreadAndPayload()
    {
        byte[] payload = Bytes(500, seed: 3);
        long started = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc).Ticks;

        ReadOnlySequence<byte> body = await SendOneAsync(ResultFrame.Success(9, 2, started, started + 1234, payload), FrameType.Result);
        ResultFrame result = ResultFrame.Read(body);

        Assert.Equal((9L, WireStatus.Succeeded, 2, started, started + 1234), (result.Sequence, result.Status, result.ThreadNumber, result.StartedTicks, result.FinishedTicks));
        Assert.Equal(payload, result.Payload.ToArray());
        Assert.Null(result.Error);
    }

    [Theory]
    [MemberData(nameof(FailureStatuses))]
    public async Task RunAsync_FailedResult_ArrivesWithItsStatusAndErrorTexts(byte status)
    {
        var error = new WireError("System.InvalidOperationException", "Bad state – ünïcødé, 秘密, \"quoted\"\n2nd line", "   at Worker.Run()\n   at Thread.Start()", null);

        ReadOnlySequence<byte> body = await SendOneAsync(ResultFrame.Failure(11, (WireStatus)status, 3, 100, 200, error), FrameType.Result);
        ResultFrame result = ResultFrame.Read(body);

        Assert.Equal((11L, (WireStatus)status, 3, 100L, 200L), (result.Sequence, result.Status, result.ThreadNumber, result.StartedTicks, result.FinishedTicks));
        Assert.Equal(error, result.Error);
    }

    [Fact]
    public async Task RunAsync_FailedResultWithEmptyTexts_ArrivesWithEmptyTexts()
    {
        var error = new WireError("", "", "", "");

        ReadOnlySequence<byte> body = await SendOneAsync(ResultFrame.Failure(1, WireStatus.Failed, 0, 0, 0, error), FrameType.Result);

        Assert.Equal(error, ResultFrame.Read(body).Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(int.MaxValue)]
    public async Task RunAsync_Credit_ArrivesWithItsCount(int jobs)
    {
        ReadOnlySequence<byte> body = await SendOneAsync(SmallFrames.Credit(jobs), FrameType.Credit);

        Assert.Equal(jobs, SmallFrames.ReadInt32(body));
    }

    [Fact]
    public async Task RunAsync_Cancel_ArrivesWithItsSequence() =>
        Assert.Equal(long.MaxValue - 1, SmallFrames.ReadInt64(await SendOneAsync(SmallFrames.Cancel(long.MaxValue - 1), FrameType.Cancel)));

    [Fact]
    public async Task RunAsync_Returned_ArrivesWithItsSequence() =>
        Assert.Equal(1L << 40, SmallFrames.ReadInt64(await SendOneAsync(SmallFrames.Returned(1L << 40), FrameType.Returned)));

    [Fact]
    public async Task RunAsync_Reclaim_ArrivesWithItsCount() =>
        Assert.Equal(5, SmallFrames.ReadInt32(await SendOneAsync(SmallFrames.Reclaim(5), FrameType.Reclaim)));

    [Fact]
    public async Task RunAsync_Reclaimed_ArrivesWithItsCount() =>
        Assert.Equal(3, SmallFrames.ReadInt32(await SendOneAsync(SmallFrames.Reclaimed(3), FrameType.Reclaimed)));

    [Fact]
    public async Task RunAsync_Progress_ArrivesWithItsSequenceAndValue()
    {
        byte[] value = Bytes(300, seed: 4);

        ProgressFrame read = ProgressFrame.Read(await SendOneAsync(new ProgressFrame(1L << 33, value), FrameType.Progress));

        Assert.Equal(1L << 33, read.Sequence);
        Assert.Equal(value, read.Value.ToArray());
    }

    [Theory]
    [MemberData(nameof(ExitReasons))]
    public async Task RunAsync_Drain_ArrivesWithItsReason(MpmsProcessExitReason reason) =>
        Assert.Equal(reason, SmallFrames.ReadReason(await SendOneAsync(SmallFrames.Drain(reason), FrameType.Drain)));

    [Theory]
    [MemberData(nameof(ExitReasons))]
    public async Task RunAsync_Leaving_ArrivesWithItsReason(MpmsProcessExitReason reason) =>
        Assert.Equal(reason, SmallFrames.ReadReason(await SendOneAsync(SmallFrames.Leaving(reason), FrameType.Leaving)));

    [Fact]
    public async Task RunAsync_Ready_ArrivesWithAnEmptyBody() =>
        Assert.True((await SendOneAsync(SmallFrames.Ready(), FrameType.Ready)).IsEmpty);

    [Fact]
    public async Task RunAsync_Heartbeat_ArrivesWithTheRunningJobs()
    {
        RunningJob[] running = [new(1, 0, 100), new(long.MaxValue, int.MaxValue, DateTime.MaxValue.Ticks), new(3, 2, 0)];

        ReadOnlySequence<byte> body = await SendOneAsync(new HeartbeatFrame(running), FrameType.Heartbeat);

        Assert.Equal(running, HeartbeatFrame.Read(body));
    }

    [Fact]
    public async Task RunAsync_HeartbeatOfAnIdleWorker_ArrivesWithNoJobs() =>
        Assert.Empty(HeartbeatFrame.Read(await SendOneAsync(new HeartbeatFrame([]), FrameType.Heartbeat)));

    [Fact]
    public async Task RunAsync_Log_ArrivesWithItsFieldsExceptionAndProperties()
    {
        var log = new LogFrame(
            "Thumbs.Worker",
            LogLevel.Error,
            1203,
            "JobFailed",
            "Job 42 failed after 3 s – ünïcødé",
            new WireError("System.IO.IOException", "disk full", "   at Save()", "System.IO.IOException: disk full"),
            [new("JobId", "42"), new("Seconds", 3L), new("Ratio", 0.25), new("Retry", false), new("Tag", null)]);

        LogFrame read = LogFrame.Read(await SendOneAsync(log, FrameType.Log));

        Assert.Equal((log.Category, log.Level, log.EventId, log.EventName, log.Message), (read.Category, read.Level, read.EventId, read.EventName, read.Message));
        Assert.Equal(log.Exception, read.Exception);
        Assert.Equal(log.Properties, read.Properties);
    }

    [Fact]
    public async Task RunAsync_Hello_ArrivesWithItsSecretProcessAndVersion()
    {
        var hello = new HelloMessage("s3cr\u00e9t-\u79d8\u5bc6", 4242, ControlMessages.ProtocolVersion);

        ReadOnlySequence<byte> body = await SendOneAsync(ControlMessages.Hello(hello), FrameType.Hello);

        Assert.Equal(hello, ControlMessages.ReadJson<HelloMessage>(body));
    }

    [Fact]
    public async Task RunAsync_Welcome_ArrivesWithEqualSettings()
    {
        WorkerSettings settings = Settings();

        WorkerSettings read = ControlMessages.ReadJson<WorkerSettings>(await SendOneAsync(ControlMessages.Welcome(settings), FrameType.Welcome));

        AssertEqual(settings, read);
    }

    [Fact]
    public async Task RunAsync_OneFrameOfEveryType_ArriveInTheOrderPosted()
    {
        // One entry per frame type: a new type fails here until it is given a round trip of its own above.
        (FrameType Type, Func<FrameOutbox, bool> Post)[] frames =
        [
            (FrameType.Hello, o => o.Post(ControlMessages.Hello(new HelloMessage("s", 1, ControlMessages.ProtocolVersion)))),
            (FrameType.Welcome, o => o.Post(ControlMessages.Welcome(Settings()))),
            (FrameType.Ready, o => o.Post(SmallFrames.Ready())),
            (FrameType.Credit, o => o.Post(SmallFrames.Credit(2))),
            (FrameType.Job, o => o.Post(new JobFrame(1, 2, 1, "00-01-02-01", Bytes(10, seed: 1)))),
            (FrameType.Result, o => o.Post(ResultFrame.Success(1, 0, 1, 2, Bytes(10, seed: 2)))),
            (FrameType.Cancel, o => o.Post(SmallFrames.Cancel(1))),
            (FrameType.Drain, o => o.Post(SmallFrames.Drain(MpmsProcessExitReason.Shutdown))),
            (FrameType.Returned, o => o.Post(SmallFrames.Returned(1))),
            (FrameType.Heartbeat, o => o.Post(new HeartbeatFrame([new RunningJob(1, 0, 5)]))),
            (FrameType.Leaving, o => o.Post(SmallFrames.Leaving(MpmsProcessExitReason.Recycled))),
            (FrameType.Log, o => o.Post(new LogFrame("c", LogLevel.Information, 1, null, "m", null, []))),
            (FrameType.Reclaim, o => o.Post(SmallFrames.Reclaim(3))),
            (FrameType.Reclaimed, o => o.Post(SmallFrames.Reclaimed(2))),
            (FrameType.Progress, o => o.Post(new ProgressFrame(1, Bytes(10, seed: 3)))),
        ];
        Assert.Equal(Enum.GetValues<FrameType>().Where(t => t != FrameType.StartedReserved).Order(), frames.Select(f => f.Type).Order());
        await using var links = LinkPair.Create();
        var received = new FrameRecorder();
        Task running = links.Application.RunAsync(received, MaxBody, CancellationToken.None);

        Assert.All(frames, f => Assert.True(f.Post(links.Worker.Outbox)));
        await links.Worker.CloseAsync(Wire.HangGuard).WaitAsync(Wire.HangGuard);
        await running.WaitAsync(Wire.HangGuard);

        Assert.Equal(frames.Select(f => f.Type), received.Frames.Select(f => f.Type));
    }

    [Fact]
    public async Task Post_ThousandsFromSeveralThreadsAtOnce_ArriveCompleteAndInPerThreadOrder()
    {
        const int Threads = 4;
        const int PerThread = 2500;
        await using var links = LinkPair.Create();
        var received = new FrameRecorder();
        Task running = links.Application.RunAsync(received, MaxBody, CancellationToken.None);
        using var start = new Barrier(Threads);

        // Half the threads post (write at once), half enqueue and flush with coalescing (the write may go to the thread
        // pool): both paths run against each other and against the reader's back-pressure (the burst is over 1 MB).
        Task[] posting = [.. Enumerable.Range(0, Threads).Select(thread => Task.Factory.StartNew(
            () =>
            {
                Assert.True(start.SignalAndWait(Wire.HangGuard));
                FrameOutbox outbox = links.Worker.Outbox;
                for (int i = 0; i < PerThread; i++)
                {
                    var job = new JobFrame(i, thread, 1, null, Payload(thread, i));
                    if (thread % 2 == 0)
                    {
                        Assert.True(outbox.Post(job));
                    }
                    else
                    {
                        Assert.True(outbox.Enqueue(job));
                        outbox.Flush(coalesce: true);
                    }
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default))];
        await Task.WhenAll(posting).WaitAsync(Wire.HangGuard);
        await links.Worker.CloseAsync(Wire.HangGuard).WaitAsync(Wire.HangGuard);
        await running.WaitAsync(Wire.HangGuard);

        IReadOnlyList<(FrameType Type, byte[] Body)> frames = received.Frames;
        Assert.Equal(Threads * PerThread, frames.Count);
        var next = new int[Threads];
        foreach ((FrameType type, byte[] body) in frames)
        {
            Assert.Equal(FrameType.Job, type);
            JobFrame job = JobFrame.Read(new ReadOnlySequence<byte>(body));
            int thread = (int)job.IdHigh;
            Assert.Equal(next[thread]++, job.Sequence);
            Assert.Equal(Payload(thread, (int)job.Sequence), job.Payload.ToArray());
        }

        Assert.All(next, count => Assert.Equal(PerThread, count));
    }

    [Fact]
    public async Task RunAsync_FramesBothWaysAtOnce_EachSideReceivesThePeersFrames()
    {
        const int Count = 2000;
        await using var links = LinkPair.Create();
        var atWorker = new FrameRecorder();
        var atApplication = new FrameRecorder();
        Task workerRunning = links.Worker.RunAsync(atWorker, MaxBody, CancellationToken.None);
        Task applicationRunning = links.Application.RunAsync(atApplication, MaxBody, CancellationToken.None);

        await Task.WhenAll(
            Task.Run(() => Assert.All(Enumerable.Range(0, Count), i => Assert.True(links.Application.Outbox.Post(new JobFrame(i, 0, 1, null, Payload(0, i)))))),
            Task.Run(() => Assert.All(Enumerable.Range(0, Count), i => Assert.True(links.Worker.Outbox.Post(ResultFrame.Success(i, 1, 0, 0, Payload(1, i))))))).WaitAsync(Wire.HangGuard);
        await Task.WhenAll(atWorker.WaitForAsync(Count), atApplication.WaitForAsync(Count));
        await links.Worker.CloseAsync(Wire.HangGuard).WaitAsync(Wire.HangGuard);
        await Task.WhenAll(workerRunning, applicationRunning).WaitAsync(Wire.HangGuard);

        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), atWorker.Frames.Select(f => JobFrame.Read(new ReadOnlySequence<byte>(f.Body)).Sequence));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), atApplication.Frames.Select(f => ResultFrame.Read(new ReadOnlySequence<byte>(f.Body)).Sequence));
    }

    internal static WorkerSettings Settings() => new()
    {
        PoolName = "Thumbs",
        ProcessNumber = 3,
        ThreadsPerProcess = 4,
        Prefetch = 1,
        MaxJobsPerThread = 100,
        ThreadLifetime = TimeSpan.FromMinutes(5),
        JobTimeout = null,
        JobTimeoutGrace = TimeSpan.FromSeconds(2),
        GracefulDieExceptions = ["System.TimeoutException", "Acme.FatalException"],
        GracefulDieTimeout = TimeSpan.FromSeconds(5),
        HeartbeatInterval = TimeSpan.FromMilliseconds(250),
        MaxMessageSize = 4096,
        ForwardLogs = true,
        MaxMemoryPerProcess = 512L * 1024 * 1024,
    };

    /// <summary>Compares two settings member by member (the record compares its array by reference).</summary>
    internal static void AssertEqual(WorkerSettings expected, WorkerSettings actual)
    {
        Assert.Equal(expected with { GracefulDieExceptions = actual.GracefulDieExceptions }, actual);
        Assert.Equal(expected.GracefulDieExceptions, actual.GracefulDieExceptions);
    }

    private static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A payload that says which thread posted it and which of its frames it is.</summary>
    private static byte[] Payload(int thread, int index) => Enumerable.Repeat((byte)((thread * 31) + index), (index * 7) % 301).ToArray();

    /// <summary>Posts one frame on the worker's side, closes it, and returns the one frame the application's side received.</summary>
    private static async Task<ReadOnlySequence<byte>> SendOneAsync<TFrame>(TFrame frame, FrameType expectedType)
        where TFrame : IOutgoingFrame
    {
        await using var links = LinkPair.Create();
        var received = new FrameRecorder();
        Task running = links.Application.RunAsync(received, MaxBody, CancellationToken.None);

        Assert.True(links.Worker.Outbox.Post(frame));
        await links.Worker.CloseAsync(Wire.HangGuard).WaitAsync(Wire.HangGuard);
        await running.WaitAsync(Wire.HangGuard);

        (FrameType type, byte[] body) = Assert.Single(received.Frames);
        Assert.Equal(expectedType, type);
        return new ReadOnlySequence<byte>(body);
    }
}
