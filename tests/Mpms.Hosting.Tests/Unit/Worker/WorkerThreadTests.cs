using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Tests.Unit.TestDoubles;
using Mpms.Hosting.Worker;

namespace Mpms.Hosting.Tests.Unit.Worker;

/// <summary>
/// A worker thread whose worker, initializer or finalizer dependency injection cannot construct: a real thread with a
/// real service provider, and the line it logs (which a worker process forwards to the application as it is).
/// </summary>
public sealed class WorkerThreadTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new();
    private readonly OutboxTap _tap = new();
    private readonly RecordingLoggerProvider _logs = new();
    private WorkerSession? _session;
    private ServiceProvider? _services;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await _tap.DisposeAsync();
    }

    [Fact]
    public async Task Start_WorkerConstructorThrows_LogsThatDiCouldNotConstructTheWorkerAndWhy()
    {
        WorkerThread thread = StartThread<ThrowingWorker>(_ => { });

        await thread.Finished.WaitAsync(Wire.HangGuard);

        RecordedLog line = Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(new EventId(2020, "ThreadServiceNotConstructed"), line.EventId);
        Assert.Equal(
            $"The worker '{typeof(ThrowingWorker).FullName}' could not be constructed by dependency injection on {thread.Name} of pool test, so the thread exits and takes no job. no licence on this host",
            line.Message);
        Assert.Equal("no licence on this host", Assert.IsType<InvalidOperationException>(line.Exception).Message);
        Assert.Equal(0, _session!.Ledger.Outstanding); // it never became live, so it asked for no job
    }

    [Fact]
    public async Task Start_WorkerDependencyNotRegistered_NamesTheWorkerAndTheMissingService()
    {
        WorkerThread thread = StartThread<NeedsClockWorker>(_ => { });

        await thread.Finished.WaitAsync(Wire.HangGuard);

        RecordedLog line = Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(2020, line.EventId.Id);
        Assert.StartsWith($"The worker '{typeof(NeedsClockWorker).FullName}' could not be constructed by dependency injection on {thread.Name}", line.Message, StringComparison.Ordinal);
        Assert.Contains($"Unable to resolve service for type '{typeof(IClock).FullName}'", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("initializer", line.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Start_ThreadInitializerCannotBeConstructed_SaysSoInsteadOfThatItFailed()
    {
        WorkerThread thread = StartThread<PlainWorker>(services => services.AddScoped<IThreadInitializer, ClockInitializer>());

        await thread.Finished.WaitAsync(Wire.HangGuard);

        RecordedLog line = Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(2020, line.EventId.Id);
        Assert.StartsWith($"A thread initializer could not be constructed by dependency injection on {thread.Name} of pool test, so the thread exits and takes no job.", line.Message, StringComparison.Ordinal);
        Assert.Contains($"while attempting to activate '{typeof(ClockInitializer).FullName}'", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Leave_ThreadFinalizerCannotBeConstructed_LogsItAndTheThreadEndsWithoutCrashing()
    {
        WorkerThread thread = StartThread<PlainWorker>(services => services.AddScoped<IThreadFinalizer, ThrowingFinalizer>());
        Assert.Equal(FrameType.Credit, (await _tap.NextFrameAsync()).Type); // live: it asked for its job

        _session!.Leave.BeginLeaving(MpmsProcessExitReason.Shutdown);
        await thread.Finished.WaitAsync(Wire.HangGuard);

        RecordedLog line = Assert.Single(_logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(new EventId(2022, "FinalizerNotConstructed"), line.EventId);
        Assert.Equal(
            $"A thread finalizer could not be constructed by dependency injection for {thread.Name} of pool test: no finalizer of its kind runs there, and it exits anyway. finalizer has no printer",
            line.Message);
    }

    [Fact]
    public void TrimmingHint_InATrimmedApplication_SaysTheConstructorMayHaveBeenTrimmed()
    {
        Assert.Contains("This application is trimmed: the trimmer may have removed a constructor", ServiceConstructionException.TrimmingHint(trimmed: true), StringComparison.Ordinal);
        Assert.Equal("", ServiceConstructionException.TrimmingHint(trimmed: false));

        // The tests run untrimmed, so the messages above carry no hint.
        Assert.False(ServiceConstructionException.IsTrimmedApplication);
    }

    private WorkerThread StartThread<TWorker>(Action<IServiceCollection> register)
        where TWorker : class, IMpmsWorker<int, int>
    {
        var services = new ServiceCollection();
        services.AddScoped<TWorker>();
        register(services);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = false, ValidateScopes = true });
        ILogger logger = _logs.CreateLogger("Mpms.Hosting.WorkerRuntime");
        _session = new WorkerSession(
            WorkerTestKit.Settings(),
            WorkerTestKit.Process(_services),
            _tap.Outbox,
            new JobInvoker<TWorker, int, int>(new MpmsJsonSerializer()),
            new PoolRegistrations("test"),
            _time,
            logger);
        _session.Census.ThreadsStarting(1);
        var thread = new WorkerThread(_session, 1);
        thread.Start();
        return thread;
    }

    public interface IClock;

    public sealed class PlainWorker : IMpmsWorker<int, int>
    {
        public ValueTask<int> ExecuteAsync(int job, MpmsJobContext context, CancellationToken cancellationToken) => ValueTask.FromResult(job);
    }

    public sealed class ThrowingWorker : IMpmsWorker<int, int>
    {
        public ThrowingWorker() => throw new InvalidOperationException("no licence on this host");

        public ValueTask<int> ExecuteAsync(int job, MpmsJobContext context, CancellationToken cancellationToken) => ValueTask.FromResult(job);
    }

    public sealed class NeedsClockWorker(IClock clock) : IMpmsWorker<int, int>
    {
        public ValueTask<int> ExecuteAsync(int job, MpmsJobContext context, CancellationToken cancellationToken) => ValueTask.FromResult(clock.GetHashCode());
    }

    public sealed class ClockInitializer(IClock clock) : IThreadInitializer
    {
        public ValueTask InitializeAsync(MpmsThreadContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public override string ToString() => clock.ToString()!;
    }

    public sealed class ThrowingFinalizer : IThreadFinalizer
    {
        public ThrowingFinalizer() => throw new InvalidOperationException("finalizer has no printer");

        public ValueTask FinalizeAsync(MpmsThreadContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
