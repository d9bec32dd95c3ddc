using Mpms.Hosting.Tests.Unit.DependencyInjection;
using Mpms.Hosting.Tests.Unit.TestDoubles;
using Mpms.Hosting.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Mpms.Hosting.Tests.Unit.Worker;

/// <summary>
/// The hosted services a pool chose to run in its workers, as a worker process starts and stops them: chosen through the
/// pool's builder from the application's registrations, made without the container's list of hosted services, started
/// in order and stopped in reverse, within a deadline. No process is started.
/// </summary>
public sealed class WorkerHostedServicesTests
{
    private const string Pool = nameof(ThumbWorker);

    [Fact]
    public async Task StartAsync_ChosenByTypeAndByFilter_MakesAndStartsOnlyThoseInRegistrationOrder()
    {
        var journal = new Journal();
        var services = Application(journal);
        services.AddHostedService<First>();
        services.AddHostedService<Unchosen>();
        services.AddHostedService(sp => new Third(sp.GetRequiredService<Journal>())); // a factory declared to return Third
        services.AddMpms<ThumbWorker>()
            .RunInWorkers<Third>()
            .RunHostedServicesInWorkers(type => type.Name == nameof(First));
        WorkerHostedServices hosted = InWorker(services, out _);

        Assert.True(await hosted.StartAsync(CancellationToken.None));

        Assert.Equal([typeof(First), typeof(Third)], hosted.Started);
        Assert.Equal(["First made", "Third made", "First start", "Third start"], journal.Lines);
    }

    [Fact]
    public async Task StartAsync_NothingChosen_MakesNoHostedService()
    {
        var journal = new Journal();
        var services = Application(journal);
        services.AddHostedService<First>();
        services.AddMpms<ThumbWorker>();
        WorkerHostedServices hosted = InWorker(services, out _);

        Assert.True(await hosted.StartAsync(CancellationToken.None));
        await hosted.StopAsync(TimeSpan.FromSeconds(5));

        Assert.Empty(hosted.Started);
        Assert.Empty(journal.Lines);
    }

    [Fact]
    public async Task StartAsync_ChoiceOfAnotherPool_IsNotThisPoolsChoice()
    {
        var journal = new Journal();
        var services = Application(journal);
        services.AddHostedService<First>();
        services.AddMpms<ThumbWorker>();
        services.AddMpms<MailWorker>().RunInWorkers<First>();
        WorkerHostedServices hosted = InWorker(services, out _);

        Assert.True(await hosted.StartAsync(CancellationToken.None));

        Assert.Empty(journal.Lines);
    }

    [Fact]
    public async Task StopAsync_AfterAStart_StopsInReverseOrderWithTheLifecyclePhases_AndDisposesOnlyWhatItMade()
    {
        var journal = new Journal();
        var services = Application(journal);
        services.AddHostedService<Lifecycle>();
        services.AddSingleton<IHostedService>(new First(journal)); // an instance: the container's, never disposed here
        services.AddMpms<ThumbWorker>().RunHostedServicesInWorkers(type => type == typeof(Lifecycle) || type == typeof(First));
        WorkerHostedServices hosted = InWorker(services, out _);
        Assert.True(await hosted.StartAsync(CancellationToken.None));

        await hosted.StopAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(
            [
                "First made", "Lifecycle made",
                "Lifecycle starting", "Lifecycle start", "First start", "Lifecycle started",
                "Lifecycle stopping", "First stop", "Lifecycle stop", "Lifecycle stopped", "Lifecycle disposed",
            ],
            journal.Lines);
    }

    [Fact]
    public async Task StartAsync_OneThrows_LogsItReturnsFalse_AndTheStopStopsOnlyThoseThatStarted()
    {
        var journal = new Journal();
        var services = Application(journal);
        services.AddHostedService<First>();
        services.AddHostedService<Throwing>();
        services.AddHostedService<Third>();
        services.AddMpms<ThumbWorker>().RunHostedServicesInWorkers(IsOurs);
        WorkerHostedServices hosted = InWorker(services, out RecordingLoggerProvider logs);

        Assert.False(await hosted.StartAsync(CancellationToken.None));
        await hosted.StopAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(
            ["First made", "Throwing made", "Third made", "First start", "Throwing start", "First stop", "Third disposed", "Throwing disposed", "First disposed"],
            journal.Lines);
        RecordedLog failed = Assert.Single(logs.Entries, e => e.EventId.Id == 2041);
        Assert.Contains(typeof(Throwing).FullName!, failed.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(failed.Exception);
    }

    [Fact]
    public async Task StopAsync_OneThrows_IsLoggedAndTheOthersStillStop()
    {
        var journal = new Journal();
        var services = Application(journal);
        services.AddHostedService<First>();
        services.AddHostedService<ThrowsOnStop>();
        services.AddMpms<ThumbWorker>().RunHostedServicesInWorkers(IsOurs);
        WorkerHostedServices hosted = InWorker(services, out RecordingLoggerProvider logs);
        Assert.True(await hosted.StartAsync(CancellationToken.None));

        await hosted.StopAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(
            ["ThrowsOnStop stop", "First stop", "ThrowsOnStop disposed", "First disposed"],
            journal.Lines.SkipWhile(l => !l.EndsWith(" stop", StringComparison.Ordinal)));
        Assert.Single(logs.Entries, e => e.EventId.Id == 2042);
    }

    [Fact]
    public async Task StopAsync_AServiceNeverStops_EndsAtTheTimeout_AndLogsWhichOne()
    {
        var journal = new Journal();
        var services = Application(journal);
        services.AddHostedService<First>();
        services.AddHostedService<NeverStops>();
        services.AddMpms<ThumbWorker>().RunHostedServicesInWorkers(IsOurs);
        WorkerHostedServices hosted = InWorker(services, out RecordingLoggerProvider logs, out FakeTimeProvider time);
        Assert.True(await hosted.StartAsync(CancellationToken.None));

        Task stop = hosted.StopAsync(TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.False(stop.IsCompleted);
        time.Advance(TimeSpan.FromTicks(1));
        await stop.WaitAsync(Wire.HangGuard);

        // The one started before it is left unstopped (the deadline is for all of them), and nothing is disposed under
        // a service still stopping.
        Assert.DoesNotContain("First stop", journal.Lines);
        Assert.DoesNotContain(journal.Lines, l => l.EndsWith(" disposed", StringComparison.Ordinal));
        RecordedLog late = Assert.Single(logs.Entries, e => e.EventId.Id == 2043);
        Assert.Contains(typeof(NeverStops).FullName!, late.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ChoiceMatchesNoRegistration_WarnsAndStartsNothing()
    {
        var journal = new Journal();
        var services = Application(journal);
        services.AddHostedService<First>();
        services.AddMpms<ThumbWorker>().RunInWorkers<Third>().RunOpenTelemetryInWorkers();
        WorkerHostedServices hosted = InWorker(services, out RecordingLoggerProvider logs);

        Assert.True(await hosted.StartAsync(CancellationToken.None));

        Assert.Empty(journal.Lines);
        RecordedLog[] warnings = [.. logs.Entries.Where(e => e.EventId.Id == 2044)];
        Assert.Equal(2, warnings.Length);
        Assert.Contains(warnings, w => w.Message.Contains($"RunInWorkers<{typeof(Third).FullName}>()", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Message.Contains("RunOpenTelemetryInWorkers()", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_AFilterThatAcceptsEverything_NeverChoosesTheWebHostsService()
    {
        var journal = new Journal();
        var services = Application(journal);
        services.AddHostedService<First>();
        services.AddHostedService<Microsoft.AspNetCore.Hosting.GenericWebHostService>();
        services.AddMpms<ThumbWorker>().RunHostedServicesInWorkers(type => IsOurs(type) || type.Name == "GenericWebHostService");
        WorkerHostedServices hosted = InWorker(services, out _);

        Assert.True(await hosted.StartAsync(CancellationToken.None));

        Assert.Equal([typeof(First)], hosted.Started);
        Assert.Equal(["First made", "First start"], journal.Lines);
    }

    [Fact]
    public void ImplementationTypeOf_EachKindOfRegistration_IsTheTypeItMakes()
    {
        var journal = new Journal();

        Assert.Equal(typeof(First), HostedServiceRegistrations.ImplementationTypeOf(ServiceDescriptor.Singleton<IHostedService, First>()));
        Assert.Equal(typeof(First), HostedServiceRegistrations.ImplementationTypeOf(ServiceDescriptor.Singleton<IHostedService>(new First(journal))));
        Assert.Equal(typeof(First), HostedServiceRegistrations.ImplementationTypeOf(ServiceDescriptor.Singleton<IHostedService, First>(_ => new First(journal))));
        Assert.Equal(typeof(IHostedService), HostedServiceRegistrations.ImplementationTypeOf(ServiceDescriptor.Singleton<IHostedService>(_ => new First(journal))));
    }

    /// <summary>
    /// Chooses the test's own hosted services. Here <c>AddMpms</c> registers the application's role, whose pool is a
    /// hosted service too; in a worker process it is not.
    /// </summary>
    private static bool IsOurs(Type type) => type.DeclaringType == typeof(WorkerHostedServicesTests);

    private static ServiceCollection Application(Journal journal)
    {
        var services = new ServiceCollection();
        services.AddSingleton(journal);
        return services;
    }

    /// <summary>What a worker process of the pool sees: the application's registrations and its built container.</summary>
    private static WorkerHostedServices InWorker(ServiceCollection services, out RecordingLoggerProvider logs) =>
        InWorker(services, out logs, out _);

    private static WorkerHostedServices InWorker(ServiceCollection services, out RecordingLoggerProvider logs, out FakeTimeProvider time)
    {
        services.AddSingleton(new HostedServiceRegistrations(services));
        ServiceProvider provider = services.BuildServiceProvider();
        logs = new RecordingLoggerProvider();
        time = new FakeTimeProvider();
        return new WorkerHostedServices(provider, new MpmsProcessContext(Pool, 1, provider), time, logs.CreateLogger("test"));
    }

    /// <summary>What the test services did, in order.</summary>
    private sealed class Journal
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public void Add(string line)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }

    private class Recording : IHostedService, IDisposable
    {
        protected Recording(Journal journal)
        {
            Journal = journal;
            journal.Add($"{GetType().Name} made");
        }

        protected Journal Journal { get; }

        public virtual Task StartAsync(CancellationToken cancellationToken)
        {
            Journal.Add($"{GetType().Name} start");
            return Task.CompletedTask;
        }

        public virtual Task StopAsync(CancellationToken cancellationToken)
        {
            Journal.Add($"{GetType().Name} stop");
            return Task.CompletedTask;
        }

        public void Dispose() => Journal.Add($"{GetType().Name} disposed");
    }

    private sealed class First(Journal journal) : Recording(journal);

    private sealed class Unchosen(Journal journal) : Recording(journal);

    private sealed class Third(Journal journal) : Recording(journal);

    private sealed class Throwing(Journal journal) : Recording(journal)
    {
        public override async Task StartAsync(CancellationToken cancellationToken)
        {
            await base.StartAsync(cancellationToken);
            throw new InvalidOperationException("no collector to export to");
        }
    }

    private sealed class ThrowsOnStop(Journal journal) : Recording(journal)
    {
        public override async Task StopAsync(CancellationToken cancellationToken)
        {
            await base.StopAsync(cancellationToken);
            throw new InvalidOperationException("flush failed");
        }
    }

    private sealed class NeverStops(Journal journal) : Recording(journal)
    {
        // Ignores its token, as a service stuck in a flush does.
        public override Task StopAsync(CancellationToken cancellationToken) => new TaskCompletionSource().Task;
    }

    private sealed class Lifecycle(Journal journal) : Recording(journal), IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) => Note("starting");

        public Task StartedAsync(CancellationToken cancellationToken) => Note("started");

        public Task StoppingAsync(CancellationToken cancellationToken) => Note("stopping");

        public Task StoppedAsync(CancellationToken cancellationToken) => Note("stopped");

        private Task Note(string phase)
        {
            Journal.Add($"Lifecycle {phase}");
            return Task.CompletedTask;
        }
    }
}
