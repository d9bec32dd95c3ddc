using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>What every part of one pool's supervision shares: its name, options, clock, queue and logs.</summary>
internal sealed class SupervisionContext
{
    public SupervisionContext(string poolName, MpmsOptions options, IJobDispatcher dispatcher, TimeProvider clock, ILoggerFactory loggerFactory)
    {
        PoolName = poolName;
        Options = options;
        Dispatcher = dispatcher;
        Clock = clock;
        Logger = loggerFactory.CreateLogger("Mpms.Hosting.Supervisor");
        OutputLogger = loggerFactory.CreateLogger("Mpms.Hosting.Worker");
        ForwardedLogs = new ForwardedLogWriter(loggerFactory);
        Settings = CreateSettings(poolName, options);
        Stealing = new WorkStealing(options.EffectivePrefetch);
    }

    public string PoolName { get; }

    public MpmsOptions Options { get; }

    /// <summary>Gets the queue's side of the dispatch seam: where links lease jobs.</summary>
    public IJobDispatcher Dispatcher { get; }

    /// <summary>Gets the one clock that every time of the supervision is read from and waited on.</summary>
    public TimeProvider Clock { get; }

    /// <summary>Gets the supervisor's logger (category <c>Mpms.Hosting.Supervisor</c>).</summary>
    public ILogger Logger { get; }

    /// <summary>Gets the logger of what worker processes write to their standard output and error.</summary>
    public ILogger OutputLogger { get; }

    /// <summary>Gets the writer of the log events that worker processes forward.</summary>
    public ForwardedLogWriter ForwardedLogs { get; }

    /// <summary>Gets what moves jobs held ahead by a busy process to one with an idle thread.</summary>
    public WorkStealing Stealing { get; }

    /// <summary>Gets the settings every worker process is welcomed with; its number is set per process.</summary>
    public WorkerSettings Settings { get; }

    private static WorkerSettings CreateSettings(string poolName, MpmsOptions options) => new()
    {
        // Inside the application a worker's logs are the application's already, and its working set is the
        // application's: neither forwarding nor the memory limit has a meaning there.
        PoolName = poolName,
        ProcessNumber = 0,
        ThreadsPerProcess = options.ThreadsPerProcess,
        Prefetch = options.EffectivePrefetch,
        MaxJobsPerThread = options.MaxJobsPerThread,
        ThreadLifetime = options.ThreadLifetime,
        JobTimeout = options.JobTimeout,
        JobTimeoutGrace = options.JobTimeoutGrace,
        GracefulDieExceptions = [.. options.GracefulDieExceptions],
        GracefulDieTimeout = options.GracefulDieTimeout,
        HeartbeatInterval = options.HeartbeatInterval,
        MaxMessageSize = options.MaxMessageSize,
        ProgressInterval = options.ProgressInterval,
        ForwardLogs = options.ForwardWorkerLogs && options.ExecutionMode == MpmsExecutionMode.Processes,
        MaxMemoryPerProcess = options.ExecutionMode == MpmsExecutionMode.Processes ? options.MaxMemoryPerProcess : null,
    };
}
