using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker;

/// <summary>
/// One worker thread: a dedicated, named OS thread with its own DI scope and its own single-threaded synchronization
/// context. It runs its initializers, then jobs until a lifecycle limit or a drain, then its finalizers, all on itself.
/// </summary>
internal sealed class WorkerThread
{
    private readonly WorkerRuntime _runtime;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private const int NotLive = 0;
    private const int Live = 1;
    private const int Retired = 2;

    private int _life = NotLive;

    public WorkerThread(WorkerRuntime runtime, int number)
    {
        _runtime = runtime;
        Number = number;
        Name = MpmsNames.Thread(runtime.Process.ProcessName, number);
    }

    public int Number { get; }

    public string Name { get; }

    /// <summary>Completes when the thread has ended, or was given up on because a job would not stop.</summary>
    public Task Finished => _finished.Task;

    /// <summary>Gets the buffer this thread serialises results into, reused job after job.</summary>
    public PooledBufferWriter ResultBuffer { get; } = new();

    public void Start()
    {
        var thread = new Thread(Main) { IsBackground = true, Name = Name };
        thread.Start();
    }

    /// <summary>Gives up on the thread: it is stuck in a job past its timeout, and the process will be recycled without it.</summary>
    public void Abandon()
    {
        Retire();
        _finished.TrySetResult();
    }

    private void Main()
    {
        OsNames.SetCurrentThreadName(_runtime.Process.PoolName, _runtime.Process.ProcessNumber, Number);
        try
        {
            WorkerSynchronizationContext.Run(RunAsync, ex => WorkerLog.ContinuationFailed(_runtime.Logger, Name, ex));
        }
        catch (Exception ex)
        {
            WorkerLog.ThreadCrashed(_runtime.Logger, Name, ex);
        }
        finally
        {
            Retire();
            _finished.TrySetResult();
        }
    }

    private async Task RunAsync()
    {
        AsyncServiceScope scope = _runtime.Services.CreateAsyncScope();
        await using (scope)
        {
            var context = new MpmsThreadContext(_runtime.Process, Number, scope.ServiceProvider);
            using IDisposable? logScope = _runtime.Logger.BeginScope(new ThreadLogScope(_runtime.Process, Name));
            IThreadJobInvoker invoker;
            try
            {
                foreach (IThreadInitializer initializer in _runtime.Registrations.ThreadInitializers(scope.ServiceProvider))
                {
                    await initializer.InitializeAsync(context, _runtime.Stopping);
                }

                invoker = _runtime.Invoker.CreateForThread(scope.ServiceProvider);
            }
            catch (OperationCanceledException) when (_runtime.Stopping.IsCancellationRequested)
            {
                _runtime.OnThreadStartFailed(); // the process is leaving before this thread was ready
                return;
            }
            catch (Exception ex)
            {
                WorkerLog.ThreadInitializerFailed(_runtime.Logger, _runtime.Process.PoolName, Name, ex);
                _runtime.OnThreadStartFailed();
                return;
            }

            Volatile.Write(ref _life, Live);
            _runtime.OnThreadLive();
            await RunJobsAsync(context, invoker);
            Retire();

            foreach (IThreadFinalizer finalizer in _runtime.Registrations.ThreadFinalizers(scope.ServiceProvider))
            {
                try
                {
                    await finalizer.FinalizeAsync(context, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    WorkerLog.ThreadFinalizerFailed(_runtime.Logger, _runtime.Process.PoolName, Name, ex);
                }
            }
        }
    }

    private async Task RunJobsAsync(MpmsThreadContext context, IThreadJobInvoker invoker)
    {
        Protocol.WorkerSettings settings = _runtime.Settings;

        // The original checks a thread's lifetime before it takes a task, and wakes an idle thread to check it; so the
        // wait for a job ends at the lifetime too.
        using var lifetimeEnds = CancellationTokenSource.CreateLinkedTokenSource(_runtime.StopTaking);
        if (settings.ThreadLifetime is TimeSpan lifetime)
        {
            lifetimeEnds.CancelAfter(lifetime);
        }

        try
        {
            await TakeAndRunJobsAsync(settings, context, invoker, lifetimeEnds);
        }
        finally
        {
            // The last result (and the credit it frees) may still wait in the outbox.
            _runtime.Flush();
        }
    }

    private async Task TakeAndRunJobsAsync(Protocol.WorkerSettings settings, MpmsThreadContext context, IThreadJobInvoker invoker, CancellationTokenSource lifetimeEnds)
    {
        int done = 0;
        while (true)
        {
            ChildJob? job;
            try
            {
                // A job held ahead is taken at once, and its start is written together with the last result; only a
                // thread that must wait writes what it has first.
                if (!_runtime.Jobs.TryRead(out job))
                {
                    _runtime.Flush();
                    job = await _runtime.Jobs.ReadAsync(lifetimeEnds.Token);
                }
            }
            catch (OperationCanceledException)
            {
                if (!_runtime.StopTaking.IsCancellationRequested)
                {
                    WorkerLog.ThreadLifetimeReached(_runtime.Logger, Name, settings.ThreadLifetime!.Value);
                }

                return;
            }

            if (_runtime.IsLeaving)
            {
                _runtime.GiveBack(job);
                return;
            }

            if (lifetimeEnds.IsCancellationRequested)
            {
                // Past its lifetime (or the process began leaving) as it took the job: another thread, or the next
                // process, runs it. Retired first, so the job is only kept for a sibling with room for it.
                Retire();
                _runtime.PutBack(job);
                if (!_runtime.StopTaking.IsCancellationRequested && settings.ThreadLifetime is TimeSpan lifetime)
                {
                    WorkerLog.ThreadLifetimeReached(_runtime.Logger, Name, lifetime);
                }

                return;
            }

            bool last = settings.MaxJobsPerThread is int max && ++done >= max;
            try
            {
                await _runtime.ExecuteAsync(job, this, context, invoker, last);
            }
            catch (Exception ex)
            {
                // Not the job's exception (that is its outcome) but the runtime's own, around it: the job still gets
                // an outcome, then the thread ends as crashed.
                _runtime.FailUnfinished(job, this, ex);
                throw;
            }
            if (last)
            {
                WorkerLog.ThreadMaxJobsReached(_runtime.Logger, Name, done);
                return;
            }
        }
    }

    /// <summary>Leaves the count of live threads, once, and only if the thread got that far.</summary>
    public void Retire()
    {
        if (Interlocked.CompareExchange(ref _life, Retired, Live) == Live)
        {
            _runtime.OnThreadRetired();
        }
    }
}
