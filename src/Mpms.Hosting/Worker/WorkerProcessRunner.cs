using System.Net.Sockets;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Worker.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Runs a worker process from its start-up values to its exit code, in order: connect and prove itself, start the hosted
/// services chosen for its pool, run the process initializers, start the worker threads, wait for them (or for the
/// graceful-die deadline), run the process finalizers, stop those hosted services, close the link. It owns what runs in the background meanwhile (the link's reader, the ticker, the signals and the
/// parent watchdog) and stops each of them before it returns.
/// </summary>
internal sealed class WorkerProcessRunner
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private readonly string _poolName;
    private readonly IServiceProvider _services;
    private readonly IJobInvoker _invoker;
    private readonly ILogger _logger;
    private readonly WorkerLogSink _logSink;
    private readonly WorkerProcessSeams _seams;
    private readonly PoolRegistrations _registrations;
    private readonly WorkerTelemetry? _telemetry;

    public WorkerProcessRunner(string poolName, IServiceProvider services, IJobInvoker invoker, ILogger logger, WorkerLogSink logSink, WorkerProcessSeams seams, WorkerTelemetry? telemetry = null)
    {
        _poolName = poolName;
        _services = services;
        _invoker = invoker;
        _logger = logger;
        _logSink = logSink;
        _seams = seams;
        _registrations = new PoolRegistrations(poolName);
        _telemetry = telemetry;
    }

    /// <summary>Runs the worker process to its end and returns its exit code.</summary>
    public async Task<int> RunAsync(WorkerStartup startup)
    {
        if (_seams.OwnsProcess)
        {
            // Armed before anything else, then checked: a parent that died before the arming leaves no signal to come.
            ParentWatchdog.ArmKillOnParentDeath();
            OsNames.SetProcessName(_poolName, startup.ProcessNumber);
        }

        var process = new MpmsProcessContext(_poolName, startup.ProcessNumber, _services);
        using IDisposable? logScope = _logger.BeginScope(new ThreadLogScope(process, null));
        (Link? link, WorkerSettings? settings, StartMarks? startMarks) = await ConnectAsync(startup, process).ConfigureAwait(false);
        if (link is null || settings is null)
        {
            return ExitCodes.HandshakeFailed;
        }

        await using var session = new WorkerSession(settings, process, link.Outbox, _invoker, _registrations, _seams.Time, _logger, _telemetry, startMarks);
        var duties = new BackgroundDuties(this, link, session, startup.ParentProcessId);
        return await RunConnectedAsync(session, duties).ConfigureAwait(false);
    }

    /// <summary>Connects to the application and greets it; logs and returns nothing when that fails.</summary>
    private async Task<(Link? Link, WorkerSettings? Settings, StartMarks? StartMarks)> ConnectAsync(WorkerStartup startup, MpmsProcessContext process)
    {
        Link? link = null;
        try
        {
            link = new Link(await _seams.Connect(startup, CancellationToken.None).ConfigureAwait(false), _seams.Time);
            WorkerSettings settings = await Handshake.GreetAsync(link, startup.Secret, HandshakeTimeout).ConfigureAwait(false);
            // Mapped for the process's life and never unmapped (see StartMarks): the jobs' threads store into it.
            StartMarks? startMarks = settings.StartMarksPath is { } path ? StartMarks.Open(path, settings.StartMarkSlots) : null;
            if (settings.ForwardLogs)
            {
                _logSink.Connect(link.Outbox, process);
            }

            return (link, settings, startMarks);
        }
        catch (Exception ex) when (ex is SocketException or IOException or MpmsProtocolException or OperationCanceledException or UnauthorizedAccessException)
        {
            WorkerLog.HandshakeFailed(_logger, _poolName, process.ProcessName, startup.Endpoint, ex);
            if (link is not null)
            {
                await link.DisposeAsync().ConfigureAwait(false);
            }

            return (null, null, null);
        }
    }

    private async Task<int> RunConnectedAsync(WorkerSession session, BackgroundDuties duties)
    {
        duties.Start();
        MpmsProcessContext process = session.Process;
        WorkerLog.ProcessStarting(_logger, _poolName, process.ProcessName, Environment.ProcessId, session.Settings.ThreadsPerProcess);

        // Started once the link is up, so that what they log reaches the application, and before the initializers, so
        // that what the initializers and jobs record is seen (a telemetry provider is built by a hosted service).
        var hostedServices = new WorkerHostedServices(_services, process, _seams.Time, _logger);
        int? failedStart = await StartHostedServicesAsync(session, hostedServices).ConfigureAwait(false)
            ?? await InitializeProcessAsync(session).ConfigureAwait(false);
        if (failedStart is int exitCode)
        {
            await hostedServices.StopAsync(HostedServicesStopTimeout()).ConfigureAwait(false);
            await duties.StopAndCloseLinkAsync().ConfigureAwait(false);
            return exitCode;
        }

        session.Outbox.Post(SmallFrames.Ready());
        session.Census.ThreadsStarting(session.Settings.ThreadsPerProcess);
        WorkerThread[] threads = Enumerable.Range(1, session.Settings.ThreadsPerProcess).Select(n => new WorkerThread(session, n)).ToArray();
        foreach (WorkerThread thread in threads)
        {
            thread.Start();
        }

        // A graceful die gives running jobs GracefulDieTimeout, then the process exits without them.
        await Task.WhenAny(Task.WhenAll(threads.Select(t => t.Finished)), session.Leave.GracefulDieDeadline).ConfigureAwait(false);

        MpmsProcessExitReason reason = session.Leave.Reason
            ?? (session.Ledger.EverLive ? MpmsProcessExitReason.Recycled : MpmsProcessExitReason.StartFailed);
        session.Leave.BeginLeaving(reason);
        session.Jobs.ReturnUnstarted();
        await FinalizeProcessAsync(process).ConfigureAwait(false);
        await hostedServices.StopAsync(HostedServicesStopTimeout()).ConfigureAwait(false);
        WorkerLog.ProcessExiting(_logger, _poolName, process.ProcessName, reason);
        await duties.StopAndCloseLinkAsync().ConfigureAwait(false);
        return ExitCodes.ForLeaving(reason);
    }

    /// <summary>Starts the hosted services chosen for the pool; one that fails fails the start, as an initializer does.</summary>
    /// <returns>The exit code when the process ends before it is ready, <see langword="null"/> when they all started.</returns>
    private static async Task<int?> StartHostedServicesAsync(WorkerSession session, WorkerHostedServices hostedServices)
    {
        CancellationToken leaving = session.Leave.Leaving;
        try
        {
            if (await hostedServices.StartAsync(leaving).ConfigureAwait(false))
            {
                return null;
            }

            session.Leave.BeginLeaving(MpmsProcessExitReason.StartFailed);
            return ExitCodes.HostedServiceFailed;
        }
        catch (OperationCanceledException) when (leaving.IsCancellationRequested)
        {
            return ExitCodes.Normal; // drained before it was ready
        }
    }

    /// <summary>Gets how long the hosted services may take to stop: the host's shutdown timeout, as in the application.</summary>
    private TimeSpan HostedServicesStopTimeout() =>
        _services.GetService<IOptions<HostOptions>>()?.Value.ShutdownTimeout ?? TimeSpan.FromSeconds(30);

    /// <summary>Runs the process initializers.</summary>
    /// <returns>The exit code when the process ends before it is ready, <see langword="null"/> when it is ready.</returns>
    private async Task<int?> InitializeProcessAsync(WorkerSession session)
    {
        CancellationToken leaving = session.Leave.Leaving;
        try
        {
            foreach (IProcessInitializer initializer in _registrations.ProcessInitializers(_services))
            {
                await initializer.InitializeAsync(session.Process, leaving).ConfigureAwait(false);
            }

            return null;
        }
        catch (OperationCanceledException) when (leaving.IsCancellationRequested)
        {
            return ExitCodes.Normal; // drained before it was ready: nothing to finalize
        }
        catch (Exception ex)
        {
            if (ex is ServiceConstructionException construction)
            {
                WorkerLog.ProcessServiceNotConstructed(_logger, construction.Service, session.Process.ProcessName, Environment.ProcessId, _poolName, construction.Reason, ServiceConstructionException.HintIfTrimmed, construction.InnerException);
            }
            else
            {
                WorkerLog.ProcessInitializerFailed(_logger, _poolName, session.Process.ProcessName, Environment.ProcessId, ex);
            }

            session.Leave.BeginLeaving(MpmsProcessExitReason.StartFailed);
            return ExitCodes.ProcessInitializerFailed;
        }
    }

    /// <summary>Runs the process finalizers; one that throws is logged and the others still run.</summary>
    private async Task FinalizeProcessAsync(MpmsProcessContext process)
    {
        IReadOnlyList<IProcessFinalizer> finalizers;
        try
        {
            finalizers = _registrations.ProcessFinalizers(_services);
        }
        catch (ServiceConstructionException ex)
        {
            WorkerLog.FinalizerNotConstructed(_logger, ex.Service, process.ProcessName, _poolName, ex.Reason, ServiceConstructionException.HintIfTrimmed, ex.InnerException);
            return;
        }

        foreach (IProcessFinalizer finalizer in finalizers)
        {
            try
            {
                await finalizer.FinalizeAsync(process, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                WorkerLog.ProcessFinalizerFailed(_logger, _poolName, process.ProcessName, ex);
            }
        }
    }

    /// <summary>Nobody is left to report to: leave at once, whatever runs; unless the process is closing its link itself.</summary>
    private void OnLinkLost(WorkerSession session, string why)
    {
        if (session.Leave.State == LeaveState.Exiting)
        {
            return;
        }

        WorkerLog.LinkLost(_logger, _poolName, session.Process.ProcessName, why);
        _seams.ExitProcess(ExitCodes.LinkLost);

        // Only a worker that does not own its process gets here (inside the application): its threads cannot be ended,
        // so it takes no more jobs and ends when the ones running return, without waiting for a drain that cannot come.
        session.Leave.BeginLeaving(MpmsProcessExitReason.LinkLost);
        session.Leave.OnLinkLost();
    }

    /// <summary>What runs beside the worker threads while the link is up, started and stopped together.</summary>
    private sealed class BackgroundDuties(WorkerProcessRunner runner, Link link, WorkerSession session, int parent)
    {
        private Task _reading = Task.CompletedTask;
        private WorkerSignals? _signals;
        private ParentWatchdog? _parentWatchdog;

        public void Start()
        {
            _reading = ReadLinkAsync();
            if (runner._seams.OwnsProcess)
            {
                _parentWatchdog = ParentWatchdog.Start(parent, () => runner.OnLinkLost(session, "the application process is gone"));
                _signals = WorkerSignals.Register(session.Leave);
            }

            session.Watchdog.Start();
        }

        /// <summary>
        /// Closes the link in order: waits (bounded) for the application's drain, hands back what arrived before it,
        /// stops the ticker and the signals, writes what is pending, and waits for the link's reader to end.
        /// </summary>
        public async Task StopAndCloseLinkAsync()
        {
            await session.Leave.WaitForDrainAsync(FlushTimeout).ConfigureAwait(false);

            // A job that arrived as the process began leaving may have been queued after the last pass: hand it back too.
            session.Jobs.ReturnUnstarted();
            session.Leave.BeginExiting();
            await session.Watchdog.DisposeAsync().ConfigureAwait(false);
            _signals?.Dispose();
            _parentWatchdog?.Dispose();
            await link.CloseAsync(FlushTimeout).ConfigureAwait(false);
            await _reading.ConfigureAwait(false);
        }

        private async Task ReadLinkAsync()
        {
            string why = "the application closed the link";
            try
            {
                await link.RunAsync(session.FrameHandler, session.Settings.MaxMessageSize + FrameInbox.FrameOverhead, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                why = ex.Message;
            }

            runner.OnLinkLost(session, why);
        }
    }
}
