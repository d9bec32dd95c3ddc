using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.Worker;
using Mpms.Hosting.Worker.Logging;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Registration;

/// <summary>
/// A worker process inside the application (<see cref="MpmsExecutionMode.InProcess"/>): the worker runtime, run on the
/// application's own container over an in-memory link, supervised like any worker process. It ends for the pool when
/// its runtime returns, when it loses its link, or at once when the pool kills it: then its link is cut, and its
/// threads, which cannot be aborted, take no more jobs and end when the jobs they run return.
/// </summary>
internal sealed class InProcessWorker : IWorkerProcess
{
    private readonly TaskCompletionSource<int?> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SupervisionContext _pool;
    private readonly PipeTransport _workerEnd;
    private readonly PipeTransport _applicationEnd;

    private InProcessWorker(SupervisionContext pool, int number, PipeTransport workerEnd, PipeTransport applicationEnd)
    {
        _pool = pool;
        _workerEnd = workerEnd;
        _applicationEnd = applicationEnd;
        Lifecycle = new ProcessLifecycle(pool.PoolName, number, Environment.ProcessId, pool.Clock.GetTimestamp(), pool.Clock);
    }

    public ProcessLifecycle Lifecycle { get; }

    public string Name => Lifecycle.Name;

    public int ProcessId => Lifecycle.ProcessId;

    public bool IsInApplication => true;

    /// <summary>Starts in-process worker number <paramref name="number"/>; it greets the pool with <paramref name="secret"/> over <paramref name="workerEnd"/>.</summary>
    public static InProcessWorker Start(SupervisionContext pool, int number, InProcessRuntime runtime, string secret, PipeTransport workerEnd, PipeTransport applicationEnd)
    {
        var worker = new InProcessWorker(pool, number, workerEnd, applicationEnd);
        var seams = new WorkerProcessSeams
        {
            Time = pool.Clock,
            Connect = (_, _) => Task.FromResult<ILinkTransport>(workerEnd),
            ExitProcess = worker.OnLinkLost,
            OwnsProcess = false,
        };
        var runner = new WorkerProcessRunner(pool.PoolName, runtime.Services, runtime.Invoker, runtime.Logger, new WorkerLogSink(), seams);
        var startup = new WorkerStartup("in-process", secret, number, Environment.ProcessId);

        // Off the caller's thread: the supervisor starts processes under its lock.
        _ = Task.Run(() => worker.RunAsync(runner, startup, runtime.Logger));
        return worker;
    }

    public Task WaitForExitAsync() => _exited.Task;

    public void Kill(MpmsProcessExitReason reason)
    {
        Lifecycle.OnKilled(reason);
        if (_exited.TrySetResult(null))
        {
            HostingLog.InProcessWorkerCutOff(_pool.Logger, _pool.PoolName, Name, reason);
        }

        // Both ends see the link end: the pool's side fails the jobs it held, the worker's side leaves.
        _applicationEnd.Abort();
        _workerEnd.Abort();
    }

    public ProcessExit DescribeExit(bool linkBroken) =>
        Lifecycle.OnExited(_exited.Task.IsCompletedSuccessfully ? _exited.Task.Result : null, linkBroken);

    public void Dispose()
    {
        // The pipes belong to the two links, which complete them.
    }

    /// <summary>What a worker process does when it loses its link is to exit: this one ends for the pool.</summary>
    private void OnLinkLost(int exitCode) => _exited.TrySetResult(exitCode);

    private async Task RunAsync(WorkerProcessRunner runner, WorkerStartup startup, ILogger logger)
    {
        int exitCode = ExitCodes.WorkerFailed;
        try
        {
            exitCode = await runner.RunAsync(startup).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            HostingLog.InProcessWorkerFailed(logger, _pool.PoolName, Name, ex);
        }

        _exited.TrySetResult(exitCode);
    }
}
