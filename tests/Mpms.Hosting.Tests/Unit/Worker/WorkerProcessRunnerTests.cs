using System.Buffers;
using System.Threading.Channels;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;
using Mpms.Hosting.Worker;
using Mpms.Hosting.Worker.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mpms.Hosting.Tests.Unit.Worker;

/// <summary>The whole worker runtime in the test's process, over an in-memory link; the test plays the application.</summary>
public sealed class WorkerProcessRunnerTests
{
    private const long IdHigh = 0x0123_4567_0000;

    [Fact]
    public async Task RunAsync_GreetedAndSentAJob_ReturnsItsResultThenLeavesWhenDrained()
    {
        await using var application = new FakeApplication();
        Task<int> worker = application.StartWorker(new ServiceCollection(), new EchoInvoker());

        await application.GreetAsync(WorkerTestKit.Settings(threads: 1));
        await application.NextAsync(FrameType.Ready);
        Assert.Equal(1, WorkerTestKit.Int32(await application.NextAsync(FrameType.Credit)));

        application.Send(new JobFrame(1, IdHigh, 1, null, "abc"u8.ToArray()));
        ResultFrame result = ResultFrame.Read(new(await application.NextAsync(FrameType.Result)));
        Assert.Equal(1, result.Sequence);
        Assert.Equal(WireStatus.Succeeded, result.Status);
        Assert.Equal(1, result.ThreadNumber);
        Assert.Equal("cba"u8.ToArray(), result.Payload.ToArray());
        Assert.Equal(1, WorkerTestKit.Int32(await application.NextAsync(FrameType.Credit)));

        application.Send(SmallFrames.Drain(MpmsProcessExitReason.Shutdown));
        Assert.Equal((byte)MpmsProcessExitReason.Shutdown, Assert.Single(await application.NextAsync(FrameType.Leaving)));

        await application.LinkClosed;
        Assert.Equal(ExitCodes.Normal, await worker.WaitAsync(Wire.HangGuard));
        Assert.Empty(application.ExitCalls);
    }

    [Fact]
    public async Task RunAsync_JobSentAfterTheProcessSaidItLeaves_IsHandedBackBeforeTheLinkCloses()
    {
        await using var application = new FakeApplication();
        Task<int> worker = application.StartWorker(new ServiceCollection(), new EchoInvoker());
        using var marks = new StartMarksFile();
        await application.GreetAsync(WorkerTestKit.Settings(threads: 1, prefetch: 1) with
        {
            MaxJobsPerThread = 1,
            StartMarksPath = marks.Path,
            StartMarkSlots = marks.Application.SlotCount,
        });
        await application.NextAsync(FrameType.Ready);
        Assert.Equal(2, WorkerTestKit.Int32(await application.NextAsync(FrameType.Credit)));

        application.Send(new JobFrame(1, IdHigh, 1, null, "a"u8.ToArray()));

        // With prefetch the start is marked (no frame) before the job runs; its thread's last job makes the process leave.
        Assert.Equal((byte)MpmsProcessExitReason.Recycled, Assert.Single(await application.NextAsync(FrameType.Leaving)));
        Assert.Equal(WireStatus.Succeeded, ResultFrame.Read(new(await application.NextAsync(FrameType.Result))).Status);
        Assert.True(marks.Application.HasStarted(1));

        // The application spends its last credit before it reads the leaving, then answers it.
        application.Send(new JobFrame(2, IdHigh, 1, null, "b"u8.ToArray()));
        application.Send(SmallFrames.Drain(MpmsProcessExitReason.Recycled));

        Assert.Equal(2, WorkerTestKit.Int64(await application.NextAsync(FrameType.Returned)));
        Assert.False(marks.Application.HasStarted(2));
        await application.LinkClosed;
        Assert.Equal(ExitCodes.Normal, await worker.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task RunAsync_ProcessInitializerThrows_SaysItLeavesAsStartFailedAndExitsWithItsCode()
    {
        await using var application = new FakeApplication();
        var services = new ServiceCollection();
        services.AddSingleton<IProcessInitializer>(new ThrowingInitializer());
        Task<int> worker = application.StartWorker(services, new EchoInvoker());
        await application.GreetAsync(WorkerTestKit.Settings(threads: 1));

        Assert.Equal((byte)MpmsProcessExitReason.StartFailed, Assert.Single(await application.NextAsync(FrameType.Leaving)));
        application.Send(SmallFrames.Drain(MpmsProcessExitReason.StartFailed));

        await application.LinkClosed;
        Assert.Equal(ExitCodes.ProcessInitializerFailed, await worker.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task RunAsync_ChosenHostedServiceThrowsOnStart_SaysItLeavesAsStartFailedRunsNoInitializerAndExitsWithItsCode()
    {
        await using var application = new FakeApplication();
        var initializer = new CountingInitializer();
        var services = new ServiceCollection();
        services.AddSingleton<IProcessInitializer>(initializer);
        services.AddHostedService<ThrowingHostedService>();
        services.AddKeyedSingleton("test", new HostedServiceChoice("all", _ => true));
        services.AddSingleton(new HostedServiceRegistrations(services));
        Task<int> worker = application.StartWorker(services, new EchoInvoker());
        await application.GreetAsync(WorkerTestKit.Settings(threads: 1));

        Assert.Equal((byte)MpmsProcessExitReason.StartFailed, Assert.Single(await application.NextAsync(FrameType.Leaving)));
        application.Send(SmallFrames.Drain(MpmsProcessExitReason.StartFailed));

        await application.LinkClosed;
        Assert.Equal(ExitCodes.HostedServiceFailed, await worker.WaitAsync(Wire.HangGuard));
        Assert.Equal(0, initializer.Runs);
    }

    [Fact]
    public async Task RunAsync_ProcessInitializerCannotBeConstructed_LogsThatDiCouldNotAndWhyAndExitsAsAFailedStart()
    {
        await using var application = new FakeApplication();
        var logs = new RecordingLoggerProvider();
        var services = new ServiceCollection();
        services.AddSingleton<IProcessInitializer, DatabaseInitializer>();
        Task<int> worker = application.StartWorker(services, new EchoInvoker(), logs.CreateLogger("Mpms.Hosting.WorkerRuntime"));
        await application.GreetAsync(WorkerTestKit.Settings(threads: 1));

        Assert.Equal((byte)MpmsProcessExitReason.StartFailed, Assert.Single(await application.NextAsync(FrameType.Leaving)));
        application.Send(SmallFrames.Drain(MpmsProcessExitReason.StartFailed));
        await application.LinkClosed;
        Assert.Equal(ExitCodes.ProcessInitializerFailed, await worker.WaitAsync(Wire.HangGuard));

        RecordedLog line = Assert.Single(logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(new EventId(2021, "ProcessServiceNotConstructed"), line.EventId);
        Assert.StartsWith($"A process initializer could not be constructed by dependency injection in mpms-test-p1 (pid {Environment.ProcessId}) of pool test, so the process exits and takes no job.", line.Message, StringComparison.Ordinal);
        Assert.Contains($"Unable to resolve service for type '{typeof(IDatabase).FullName}' while attempting to activate '{typeof(DatabaseInitializer).FullName}'", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_GracefulDieWhileASiblingJobNeverEnds_ExitsAtGracefulDieTimeoutWithoutIt()
    {
        await using var application = new FakeApplication();
        var hanging = new HeldInvoker(honoursToken: false);
        Task<int> worker = application.StartWorker(new ServiceCollection(), new ScriptedInvoker(hanging));
        await application.GreetAsync(WorkerTestKit.Settings(threads: 2));
        await application.NextAsync(FrameType.Ready);
        await application.NextAsync(FrameType.Credit);
        await application.NextAsync(FrameType.Credit);

        application.Send(new JobFrame(1, IdHigh, 1, null, "hang"u8.ToArray()));
        await hanging.Started.WaitAsync(Wire.HangGuard);
        application.Send(new JobFrame(2, IdHigh, 1, null, "die"u8.ToArray()));

        Assert.Equal((byte)MpmsProcessExitReason.GracefulDie, Assert.Single(await application.NextAsync(FrameType.Leaving)));
        ResultFrame died = ResultFrame.Read(new(await application.NextAsync(FrameType.Result)));
        Assert.Equal((2, WireStatus.Failed, typeof(MpmsGracefulDieException).FullName), (died.Sequence, died.Status, died.Error!.Type));
        application.Send(SmallFrames.Drain(MpmsProcessExitReason.GracefulDie));

        application.Time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(worker.IsCompleted);
        application.Time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(ExitCodes.GracefulDie, await worker.WaitAsync(Wire.HangGuard));
        await application.LinkClosed;
        hanging.Release();
    }

    [Fact]
    public async Task RunAsync_LinkLostInAProcessItDoesNotOwn_ExitsThroughItsSeamThenLeavesRunningItsFinalizers()
    {
        var application = new FakeApplication();
        var finalizer = new SignallingProcessFinalizer();
        var services = new ServiceCollection();
        services.AddSingleton<IProcessFinalizer>(finalizer);
        Task<int> worker = application.StartWorker(services, new EchoInvoker());
        await application.GreetAsync(WorkerTestKit.Settings(threads: 1));
        await application.NextAsync(FrameType.Ready);
        await application.NextAsync(FrameType.Credit);

        // The application's end goes, as when the pool cuts an in-process worker off.
        await application.DisposeAsync();

        // The seam cannot end the process here, so the worker leaves: no more jobs, its finalizers, its exit code.
        await finalizer.Ran.WaitAsync(Wire.HangGuard);
        lock (application.ExitCalls)
        {
            Assert.Equal([ExitCodes.LinkLost], application.ExitCalls);
        }

        // No drain can come over a lost link, so it does not wait for one: the fake clock never moves.
        Assert.Equal(ExitCodes.ForLeaving(MpmsProcessExitReason.LinkLost), await worker.WaitAsync(Wire.HangGuard));
    }

    /// <summary>The application's side of one worker's link.</summary>
    private sealed class FakeApplication : IFrameHandler, IAsyncDisposable
    {
        private const string Secret = "one-time-secret";

        private readonly Channel<(FrameType Type, byte[] Body)> _frames = Channel.CreateUnbounded<(FrameType, byte[])>();
        private readonly PipeTransport _workerEnd;
        private readonly Link _link;
        private Task _reading = Task.CompletedTask;

        public FakeApplication()
        {
            (_workerEnd, PipeTransport applicationEnd) = PipeTransport.CreatePair();
            _link = new Link(applicationEnd);
        }

        public FakeTimeProvider Time { get; } = new();

        public List<int> ExitCalls { get; } = [];

        /// <summary>Gets a task that completes when the worker has closed the link.</summary>
        public Task LinkClosed => _reading.WaitAsync(Wire.HangGuard);

        public Task<int> StartWorker(IServiceCollection services, IJobInvoker invoker, ILogger? logger = null)
        {
            var seams = new WorkerProcessSeams
            {
                Time = Time,
                Connect = (_, _) => Task.FromResult<ILinkTransport>(_workerEnd),
                ExitProcess = code =>
                {
                    lock (ExitCalls)
                    {
                        ExitCalls.Add(code);
                    }
                },
                OwnsProcess = false,
            };
            var runner = new WorkerProcessRunner("test", services.BuildServiceProvider(), invoker, logger ?? NullLogger.Instance, new WorkerLogSink(), seams);
            return Task.Run(() => runner.RunAsync(new WorkerStartup("in-memory", Secret, 1)));
        }

        public async Task GreetAsync(WorkerSettings settings)
        {
            HelloMessage hello = await Handshake.ReadHelloAsync(_link, CancellationToken.None).WaitAsync(Wire.HangGuard);
            Assert.Equal(Secret, hello.Secret);
            Handshake.Welcome(_link, settings);
            _reading = _link.RunAsync(this, 4 * 1024 * 1024, CancellationToken.None);
        }

        public void Send<TFrame>(in TFrame frame)
            where TFrame : IOutgoingFrame =>
            Assert.True(_link.Outbox.Post(frame));

        /// <summary>Returns the body of the next frame, which must be of <paramref name="expected"/> type; heartbeats are skipped.</summary>
        public async Task<byte[]> NextAsync(FrameType expected)
        {
            while (true)
            {
                (FrameType type, byte[] body) = await _frames.Reader.ReadAsync().AsTask().WaitAsync(Wire.HangGuard);
                if (type != FrameType.Heartbeat)
                {
                    Assert.Equal(expected, type);
                    return body;
                }
            }
        }

        void IFrameHandler.OnFrame(FrameType type, in ReadOnlySequence<byte> body) => _frames.Writer.TryWrite((type, body.ToArray()));

        public async ValueTask DisposeAsync() => await _link.DisposeAsync();
    }

    /// <summary>Runs a job by its payload: "die" throws a graceful-die exception, "hang" waits for the test, others echo.</summary>
    private sealed class ScriptedInvoker(HeldInvoker hanging) : IJobInvoker, IThreadJobInvoker
    {
        private readonly EchoInvoker _echo = new();

        public IMpmsSerializer Serializer => _echo.Serializer;

        public IThreadJobInvoker CreateForThread(IServiceProvider threadServices) => this;

        public ValueTask InvokeAsync(ReadOnlyMemory<byte> payload, MpmsJobContext context, IBufferWriter<byte> result, CancellationToken cancellationToken) =>
            System.Text.Encoding.UTF8.GetString(payload.Span) switch
            {
                "die" => throw new MpmsGracefulDieException("the test says so"),
                "hang" => hanging.InvokeAsync(payload, context, result, cancellationToken),
                _ => _echo.InvokeAsync(payload, context, result, cancellationToken),
            };
    }

    /// <summary>A hosted service chosen for the workers whose resource is never there.</summary>
    private sealed class ThrowingHostedService : Microsoft.Extensions.Hosting.IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("no collector");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Counts its runs.</summary>
    private sealed class CountingInitializer : IProcessInitializer
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A process finalizer that says when it ran.</summary>
    private sealed class SignallingProcessFinalizer : IProcessFinalizer
    {
        private readonly TaskCompletionSource _ran = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Ran => _ran.Task;

        public ValueTask FinalizeAsync(MpmsProcessContext context, CancellationToken cancellationToken)
        {
            _ran.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A process initializer whose resource is never there.</summary>
    private sealed class ThrowingInitializer : IProcessInitializer
    {
        public ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no database");
    }

    public interface IDatabase;

    /// <summary>A process initializer that needs a service nobody registered.</summary>
    private sealed class DatabaseInitializer(IDatabase database) : IProcessInitializer
    {
        public ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override string ToString() => database.ToString()!;
    }
}
