using System.Buffers;
using System.Buffers.Binary;
using System.Threading.Channels;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;
using Mpms.Hosting.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mpms.Hosting.Tests.Unit.Worker;

/// <summary>Settings, jobs, frames and invokers for the worker runtime's unit tests; no process is started.</summary>
internal static class WorkerTestKit
{
    public static WorkerSettings Settings(int threads = 1, int prefetch = 0, TimeSpan? jobTimeout = null) => new()
    {
        PoolName = "test",
        ProcessNumber = 1,
        ThreadsPerProcess = threads,
        Prefetch = prefetch,
        JobTimeout = jobTimeout,
        JobTimeoutGrace = TimeSpan.FromSeconds(2),
        GracefulDieTimeout = TimeSpan.FromSeconds(5),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        MaxMessageSize = 1024 * 1024,
        ForwardLogs = false,
    };

    public static MpmsProcessContext Process(IServiceProvider? services = null) =>
        new("test", 1, services ?? new ServiceCollection().BuildServiceProvider());

    /// <summary>A session over <paramref name="tap"/>'s outbox, on <paramref name="time"/>, with no registrations.</summary>
    public static WorkerSession Session(OutboxTap tap, FakeTimeProvider time, WorkerSettings? settings = null, IJobInvoker? invoker = null) =>
        new(settings ?? Settings(), Process(), tap.Outbox, invoker ?? new EchoInvoker(), new PoolRegistrations("test"), time, NullLogger.Instance);

    /// <summary>Makes <paramref name="count"/> threads live, as their initializers passed, and returns the credit granted.</summary>
    public static void ThreadsLive(WorkerSession session, int count)
    {
        session.Census.ThreadsStarting(count);
        for (int i = 0; i < count; i++)
        {
            session.Census.OnThreadLive();
        }
    }

    public static WorkerJob Job(long sequence, string payload = "job")
    {
        byte[] bytes = ArrayPool<byte>.Shared.Rent(payload.Length);
        int length = System.Text.Encoding.UTF8.GetBytes(payload, bytes);
        return new WorkerJob(sequence, 0x0123_4567_0000, 1, null, bytes, length);
    }

    /// <summary>The type and body of <paramref name="frame"/>, as a frame handler receives them.</summary>
    public static (FrameType Type, ReadOnlySequence<byte> Body) Encode<TFrame>(in TFrame frame)
        where TFrame : IOutgoingFrame
    {
        var writer = new ArrayBufferWriter<byte>();
        frame.WriteTo(writer);
        return ((FrameType)writer.WrittenSpan[FrameHeader.Size - 1], new ReadOnlySequence<byte>(writer.WrittenMemory[FrameHeader.Size..]));
    }

    public static int Int32(byte[] body) => BinaryPrimitives.ReadInt32LittleEndian(body);

    public static long Int64(byte[] body) => BinaryPrimitives.ReadInt64LittleEndian(body);
}

/// <summary>
/// An outbox whose frames a test reads back: it writes to one end of an in-memory pipe pair, and the other end's frames
/// are collected in order. <see cref="FramesUntilNowAsync"/> posts a marker frame and returns what came before it, so a
/// test can also tell that a frame was not written.
/// </summary>
internal sealed class OutboxTap : IFrameHandler, IAsyncDisposable
{
    private static readonly MpmsProcessExitReason Marker = MpmsProcessExitReason.Killed;

    private readonly Channel<(FrameType Type, byte[] Body)> _frames = Channel.CreateUnbounded<(FrameType, byte[])>();
    private readonly PipeTransport _worker;
    private readonly PipeTransport _application;
    private readonly Task _reading;

    public OutboxTap()
    {
        (_worker, _application) = PipeTransport.CreatePair();
        Outbox.Start(_worker.Output);
        _reading = new FrameInbox(_application.Input).RunAsync(this, 4 * 1024 * 1024, CancellationToken.None);
    }

    public FrameOutbox Outbox { get; } = new();

    /// <summary>Returns every frame written since the last call, in order.</summary>
    public async Task<List<(FrameType Type, byte[] Body)>> FramesUntilNowAsync()
    {
        // The application never receives a drain from a worker: it marks the end of what was written so far.
        Outbox.Post(SmallFrames.Drain(Marker));
        var frames = new List<(FrameType, byte[])>();
        while (true)
        {
            (FrameType type, byte[] body) = await _frames.Reader.ReadAsync().AsTask().WaitAsync(Wire.HangGuard);
            if (type == FrameType.Drain)
            {
                return frames;
            }

            frames.Add((type, body));
        }
    }

    /// <summary>Waits for the next frame written, whenever it comes.</summary>
    public async Task<(FrameType Type, byte[] Body)> NextFrameAsync() => await _frames.Reader.ReadAsync().AsTask().WaitAsync(Wire.HangGuard);

    /// <summary>Returns the types of the frames written since the last call.</summary>
    public async Task<FrameType[]> TypesUntilNowAsync() => (await FramesUntilNowAsync()).Select(f => f.Type).ToArray();

    void IFrameHandler.OnFrame(FrameType type, in ReadOnlySequence<byte> body) => _frames.Writer.TryWrite((type, body.ToArray()));

    public async ValueTask DisposeAsync()
    {
        // A worker thread's last result may wait unwritten (its thread writes it before it waits): write it, since
        // completing the outbox only finishes a write in flight.
        Outbox.Flush();
        Outbox.Complete();
        await Outbox.Completion.WaitAsync(Wire.HangGuard);
        await _worker.Output.CompleteAsync();
        await _reading.WaitAsync(Wire.HangGuard);
        await _application.Input.CompleteAsync();
        Outbox.Dispose();
    }
}

/// <summary>Runs every job by writing its payload back, reversed.</summary>
internal sealed class EchoInvoker : IJobInvoker, IThreadJobInvoker
{
    public IMpmsSerializer Serializer { get; } = new MpmsJsonSerializer();

    public IThreadJobInvoker CreateForThread(IServiceProvider threadServices) => this;

    public ValueTask InvokeAsync(ReadOnlyMemory<byte> payload, MpmsJobContext context, IBufferWriter<byte> result, CancellationToken cancellationToken)
    {
        byte[] reversed = payload.ToArray();
        Array.Reverse(reversed);
        result.Write(reversed);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Runs every job until the test releases it; it honours its token only when told to.</summary>
internal sealed class HeldInvoker(bool honoursToken) : IJobInvoker, IThreadJobInvoker
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IMpmsSerializer Serializer { get; } = new MpmsJsonSerializer();

    /// <summary>Gets a task that completes when a job started.</summary>
    public Task Started => _started.Task;

    public IThreadJobInvoker CreateForThread(IServiceProvider threadServices) => this;

    public void Release() => _release.TrySetResult();

    public async ValueTask InvokeAsync(ReadOnlyMemory<byte> payload, MpmsJobContext context, IBufferWriter<byte> result, CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        await (honoursToken ? _release.Task.WaitAsync(cancellationToken) : _release.Task);
        result.Write("done"u8);
    }
}
