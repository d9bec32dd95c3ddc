using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker;

/// <summary>
/// The parts of one worker process once its link is up and the handshake gave it the pool's settings, wired together
/// once. Each part does one thing; this only holds them, for the runner and the worker threads.
/// </summary>
internal sealed class WorkerSession : IAsyncDisposable
{
    public WorkerSession(
        WorkerSettings settings,
        MpmsProcessContext process,
        FrameOutbox outbox,
        IJobInvoker invoker,
        PoolRegistrations registrations,
        TimeProvider time,
        ILogger logger,
        WorkerTelemetry? telemetry = null,
        StartMarks? startMarks = null)
    {
        Settings = settings;
        Process = process;
        Outbox = outbox;
        Invoker = invoker;
        Registrations = registrations;
        Time = time;
        Logger = logger;
        Ledger = new CreditLedger(settings.Prefetch);
        Jobs = new HeldJobs(Ledger, outbox, time, logger);
        Leave = new LeaveCoordinator(settings.GracefulDieTimeout, Ledger, Jobs, outbox, time);
        Census = new ThreadCensus(Ledger, outbox, Leave);
        Progress = new JobProgressSender(settings, outbox, invoker.Serializer, time);
        Executor = new JobExecutor(settings, process, outbox, Jobs, Leave, Progress, time, logger, startMarks, telemetry);
        Watchdog = new JobWatchdog(settings, process, outbox, Jobs, Leave, time, logger);
        FrameHandler = new WorkerFrameHandler(Jobs, Leave);
    }

    public WorkerSettings Settings { get; }

    public MpmsProcessContext Process { get; }

    /// <summary>Gets the sending half of the link: any thread posts to it.</summary>
    public FrameOutbox Outbox { get; }

    public IJobInvoker Invoker { get; }

    public PoolRegistrations Registrations { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public CreditLedger Ledger { get; }

    public HeldJobs Jobs { get; }

    public LeaveCoordinator Leave { get; }

    public ThreadCensus Census { get; }

    /// <summary>Gets where the jobs' progress goes: serialised, throttled per job, and sent.</summary>
    public JobProgressSender Progress { get; }

    public JobExecutor Executor { get; }

    public JobWatchdog Watchdog { get; }

    public WorkerFrameHandler FrameHandler { get; }

    /// <summary>Stops the ticker and the graceful-die deadline, and waits for both.</summary>
    public async ValueTask DisposeAsync()
    {
        await Watchdog.DisposeAsync().ConfigureAwait(false);
        await Leave.DisposeAsync().ConfigureAwait(false);
    }
}
