using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Supervision;

/// <summary>How a lease ended.</summary>
internal enum LeaseEnd
{
    HandedBack,
    Completed,
    TimedOut,
    Lost,
}

/// <summary>A job leased to a link, recording how its lease ends (and any second ending, which must never happen).</summary>
internal sealed class FakeLease(long sequence) : IJobLease
{
    private readonly TaskCompletionSource<LeaseEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _endings;

    public long Sequence { get; } = sequence;

    public long IdHigh => 0x1234;

    public string JobId => $"job-{Sequence}";

    public int Attempt => 1;

    public string? TraceParent => null;

    public ReadOnlyMemory<byte> Payload { get; } = new byte[] { 1, 2, 3 };

    public bool CancelRequested { get; set; }

    public bool Started { get; private set; }

    public int Endings => Volatile.Read(ref _endings);

    public Task<LeaseEnd> Ended => _ended.Task;

    public ResultFrame? Result { get; private set; }

    public (int ProcessId, string? ThreadName) CompletedBy { get; private set; }

    public TimeSpan RanFor { get; private set; }

    public WorkerLoss? Loss { get; private set; }


    public LastSeenRunning? LastSeen { get; private set; }

    /// <summary>Gets the progress values handed to the lease, copied, in order.</summary>
    public List<byte[]> Progress { get; } = [];

    public void MarkStarted() => Started = true;

    public void ReportProgress(in ReadOnlySequence<byte> value) => Progress.Add(value.ToArray());

    public void HandBack() => End(LeaseEnd.HandedBack);

    public void Complete(in ResultFrame result, int processId, string? threadName)
    {
        Result = result;
        CompletedBy = (processId, threadName);
        End(LeaseEnd.Completed);
    }

    public void TimeOut(TimeSpan ranFor, string processName, int processId)
    {
        RanFor = ranFor;
        End(LeaseEnd.TimedOut);
    }

    public void Lose(WorkerLoss loss, LastSeenRunning? lastSeen = null)
    {
        Loss = loss;
        LastSeen = lastSeen;
        End(LeaseEnd.Lost);
    }

    private void End(LeaseEnd how)
    {
        Interlocked.Increment(ref _endings);
        _ended.TrySetResult(how);
    }
}

/// <summary>A queue on the dispatch seam: jobs a test puts, leased in order.</summary>
internal sealed class FakeDispatcher : IJobDispatcher
{
    private readonly Channel<FakeLease> _waiting = Channel.CreateUnbounded<FakeLease>();
    private int _count;

    public string PoolName => "UnitPool";

    public int Waiting => Volatile.Read(ref _count);

    public List<string> Failures { get; } = [];

    public int Recoveries { get; private set; }

    public FakeLease Put(long sequence)
    {
        var lease = new FakeLease(sequence);
        Interlocked.Increment(ref _count);
        _waiting.Writer.TryWrite(lease);
        return lease;
    }

    public ValueTask<bool> WaitForJobAsync(CancellationToken cancellationToken) => _waiting.Reader.WaitToReadAsync(cancellationToken);

    public bool TryLease(ILeaseHolder holder, [NotNullWhen(true)] out IJobLease? lease)
    {
        if (_waiting.Reader.TryRead(out FakeLease? job))
        {
            Interlocked.Decrement(ref _count);
            lease = job;
            return true;
        }

        lease = null;
        return false;
    }

    public void ReportFailed(string reason) => Failures.Add(reason);

    public void ReportRecovered() => Recoveries++;
}

/// <summary>What a link tells its pool, counted; each change also releases a waiting test.</summary>
internal sealed class RecordingEvents : IProcessEvents
{
    private readonly SemaphoreSlim _changed = new(0);
    private int _started;

    public int Started => Volatile.Read(ref _started);

    public void OnChanged() => _changed.Release();

    public void OnStarted() => Interlocked.Increment(ref _started);

    public bool OnExited(ProcessRunner runner, ProcessExit exit) => throw new InvalidOperationException("A link never reports an exit.");

    /// <summary>Waits for the next change the link reports.</summary>
    public async Task NextChangeAsync() => Assert.True(await _changed.WaitAsync(Wire.HangGuard), "No change came.");
}

/// <summary>Any bytes as a frame, valid or not.</summary>
internal readonly struct RawFrame(byte[] bytes) : IOutgoingFrame
{
    public void WriteTo(IBufferWriter<byte> output) => output.Write(bytes);
}

/// <summary>
/// One <see cref="ProcessLink"/> over an in-memory pipe pair, with a fake worker at the other end: the test sends the
/// worker's frames and reads what the application sends back. The clock is fake, the process is a lifecycle only.
/// </summary>
internal sealed class LinkUnderTest : IAsyncDisposable
{
    private readonly Channel<(FrameType Type, byte[] Body)> _received = Channel.CreateUnbounded<(FrameType, byte[])>();
    private readonly Link _worker;
    private Task _workerReading = Task.CompletedTask;

    private LinkUnderTest(MpmsOptions options, StartMarks? startMarks)
    {
        (PipeTransport application, PipeTransport worker) = PipeTransport.CreatePair();
        _worker = new Link(worker);
        Pool = new SupervisionContext("UnitPool", options, Dispatcher, Clock, NullLoggerFactory.Instance);
        Process = new ProcessLifecycle("UnitPool", 1, 4242, Clock.GetTimestamp(), Clock);
        Link = new ProcessLink(Pool, Process, new Link(application), Events, startMarks);
    }

    public FakeTimeProvider Clock { get; } = new();

    public FakeDispatcher Dispatcher { get; } = new();

    public RecordingEvents Events { get; } = new();

    public SupervisionContext Pool { get; }

    public ProcessLifecycle Process { get; }

    public ProcessLink Link { get; }

    /// <summary>Gets the link's run: it ends when the worker closes its end or breaks the protocol.</summary>
    public Task Running { get; private set; } = Task.CompletedTask;

    /// <summary>Runs the link and reads its welcome at the worker's end.</summary>
    /// <param name="configure">Changes the pool's options.</param>
    /// <param name="startMarks">The application's view of the process's start marks (with prefetch).</param>
    public static async Task<LinkUnderTest> StartAsync(Action<MpmsOptions>? configure = null, StartMarks? startMarks = null)
    {
        var options = new MpmsOptions { Processes = 1, ThreadsPerProcess = 2, Prefetch = 0 };
        configure?.Invoke(options);
        var test = new LinkUnderTest(options, startMarks);
        test.Running = test.Link.RunAsync(test.Pool.Settings with { ProcessNumber = 1 }, CancellationToken.None);
        using var guard = new CancellationTokenSource(Wire.HangGuard);
        (FrameType type, byte[] body) = await test._worker.ReadOneAsync(64 * 1024, guard.Token);
        Assert.Equal(FrameType.Welcome, type);
        Assert.Equal(1, ControlMessages.ReadJson<WorkerSettings>(new ReadOnlySequence<byte>(body)).ProcessNumber);
        test._workerReading = test._worker.RunAsync(new Receiver(test._received.Writer), 1024 * 1024, CancellationToken.None);
        return test;
    }

    /// <summary>Sends a frame from the worker.</summary>
    public void Send<TFrame>(in TFrame frame)
        where TFrame : IOutgoingFrame => _worker.Outbox.Post(frame);

    /// <summary>Sends a frame from the worker, then a ready frame, and waits until the link has handled both.</summary>
    public async Task SendAndSettleAsync<TFrame>(TFrame frame)
        where TFrame : IOutgoingFrame
    {
        _worker.Outbox.Enqueue(frame);
        _worker.Outbox.Post(SmallFrames.Ready());
        await Events.NextChangeAsync();
    }

    /// <summary>Waits for the next frame from the application.</summary>
    public async Task<(FrameType Type, byte[] Body)> ReceiveAsync()
    {
        using var guard = new CancellationTokenSource(Wire.HangGuard);
        return await _received.Reader.ReadAsync(guard.Token);
    }

    public async Task<JobFrame> ReceiveJobAsync()
    {
        (FrameType type, byte[] body) = await ReceiveAsync();
        Assert.Equal(FrameType.Job, type);
        return JobFrame.Read(new ReadOnlySequence<byte>(body));
    }

    /// <summary>Closes the worker's end, as a process that exits does, and waits for the link to end.</summary>
    public async Task CloseWorkerAsync()
    {
        await _worker.DisposeAsync();
        await Running.WaitAsync(Wire.HangGuard);
    }

    public async ValueTask DisposeAsync()
    {
        await _worker.DisposeAsync();
        await Running.WaitAsync(Wire.HangGuard);
        await _workerReading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private sealed class Receiver(ChannelWriter<(FrameType, byte[])> received) : IFrameHandler
    {
        public void OnFrame(FrameType type, in ReadOnlySequence<byte> body) => received.TryWrite((type, body.ToArray()));
    }
}
