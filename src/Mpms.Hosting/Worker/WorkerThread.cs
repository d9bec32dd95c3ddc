using System.Diagnostics;
using System.Threading.Channels;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace Mpms.Hosting.Worker;

/// <summary>
/// One worker thread: a dedicated, named OS thread with its own DI scope and its own single-threaded synchronization
/// context. It runs its initializers, then jobs until a lifecycle limit or the process leaves, then its finalizers, all
/// on itself.
/// </summary>
internal sealed class WorkerThread
{
    private const int NotLive = 0;
    private const int Live = 1;
    private const int Retired = 2;

    private readonly WorkerSession _session;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // NotLive → Live → Retired, by compare-and-swap: the thread leaves the count of live threads once.
    private int _life = NotLive;

    public WorkerThread(WorkerSession session, int number)
    {
        _session = session;
        Number = number;
        Name = MpmsNames.Thread(session.Process.ProcessName, number);
    }

    public int Number { get; }

    public string Name { get; }

    /// <summary>Completes when the thread has ended, or was given up on because a job would not stop.</summary>
    public Task Finished => _finished.Task;

    /// <summary>Gets where the result of this thread's last job ends in the link's stream (0 before any).</summary>
    public long LastResultEnd { get; private set; }

    /// <summary>Gets where the result of the job before that ends: it must be written before the thread starts another job.</summary>
    public long EarlierResultEnd { get; private set; }

    /// <summary>Notes where the result of the job this thread just finished ends in the link's stream.</summary>
    public void OnResultEnqueued(long end)
    {
        EarlierResultEnd = LastResultEnd;
        LastResultEnd = end;
    }

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

    /// <summary>Leaves the count of live threads, once, and only if the thread got that far.</summary>
    public void Retire()
    {
        if (Interlocked.CompareExchange(ref _life, Retired, Live) == Live)
        {
            _session.Census.OnThreadRetired();
        }
    }

    private void Main()
    {
        MpmsProcessContext process = _session.Process;
        OsNames.SetCurrentThreadName(process.PoolName, process.ProcessNumber, Number);
        try
        {
            WorkerSynchronizationContext.Run(RunAsync, ex => WorkerLog.ContinuationFailed(_session.Logger, Name, ex));
        }
        catch (Exception ex)
        {
            WorkerLog.ThreadCrashed(_session.Logger, Name, ex);
        }
        finally
        {
            Retire();
            _finished.TrySetResult();
        }
    }

    private async Task RunAsync()
    {
        AsyncServiceScope scope = _session.Process.Services.CreateAsyncScope();
        await using (scope)
        {
            var context = new MpmsThreadContext(_session.Process, Number, scope.ServiceProvider);
            using IDisposable? logScope = _session.Logger.BeginScope(new ThreadLogScope(_session.Process, Name));
            IThreadJobInvoker invoker;
            try
            {
                foreach (IThreadInitializer initializer in _session.Registrations.ThreadInitializers(scope.ServiceProvider))
                {
                    await initializer.InitializeAsync(context, _session.Leave.Leaving);
                }

                invoker = _session.Invoker.CreateForThread(scope.ServiceProvider);
            }
            catch (OperationCanceledException) when (_session.Leave.Leaving.IsCancellationRequested)
            {
                _session.Census.OnThreadStartFailed(); // the process is leaving before this thread was ready
                return;
            }
            catch (ServiceConstructionException ex)
            {
                WorkerLog.ThreadServiceNotConstructed(_session.Logger, ex.Service, Name, _session.Process.PoolName, ex.Reason, ServiceConstructionException.HintIfTrimmed, ex.InnerException);
                _session.Census.OnThreadStartFailed();
                return;
            }
            catch (Exception ex)
            {
                WorkerLog.ThreadInitializerFailed(_session.Logger, _session.Process.PoolName, Name, ex);
                _session.Census.OnThreadStartFailed();
                return;
            }

            Volatile.Write(ref _life, Live);
            _session.Census.OnThreadLive();
            await RunJobsAsync(context, invoker);
            Retire();

            foreach (IThreadFinalizer finalizer in ThreadFinalizers(scope.ServiceProvider))
            {
                try
                {
                    await finalizer.FinalizeAsync(context, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    WorkerLog.ThreadFinalizerFailed(_session.Logger, _session.Process.PoolName, Name, ex);
                }
            }
        }
    }

    /// <summary>The thread's finalizers; none when one of them cannot be constructed, which is logged.</summary>
    private IReadOnlyList<IThreadFinalizer> ThreadFinalizers(IServiceProvider threadServices)
    {
        try
        {
            return _session.Registrations.ThreadFinalizers(threadServices);
        }
        catch (ServiceConstructionException ex)
        {
            WorkerLog.FinalizerNotConstructed(_session.Logger, ex.Service, Name, _session.Process.PoolName, ex.Reason, ServiceConstructionException.HintIfTrimmed, ex.InnerException);
            return [];
        }
    }

    private async Task RunJobsAsync(MpmsThreadContext context, IThreadJobInvoker invoker)
    {
        // The original checks a thread's lifetime before it takes a task, and wakes an idle thread to check it; so the
        // wait for a job ends at the lifetime too.
        using CancellationTokenSource lifetime = _session.Settings.ThreadLifetime is TimeSpan limit
            ? new CancellationTokenSource(limit, _session.Time)
            : new CancellationTokenSource();
        using var lifetimeEnds = CancellationTokenSource.CreateLinkedTokenSource(_session.Leave.Leaving, lifetime.Token);
        try
        {
            await TakeAndRunJobsAsync(context, invoker, lifetimeEnds.Token);
        }
        finally
        {
            // The last result (and the credit it frees) may still wait in the outbox.
            _session.Outbox.Flush();
        }
    }

    private async Task TakeAndRunJobsAsync(MpmsThreadContext context, IThreadJobInvoker invoker, CancellationToken lifetimeEnds)
    {
        WorkerSettings settings = _session.Settings;
        int done = 0;
        while (true)
        {
            WorkerJob? job = await TakeJobAsync(lifetimeEnds);
            if (job is null)
            {
                LogLifetimeReached();
                return;
            }

            if (_session.Leave.IsLeaving)
            {
                _session.Jobs.GiveBack(job);
                return;
            }

            if (lifetimeEnds.IsCancellationRequested)
            {
                // Past its lifetime (or the process began leaving) as it took the job: another thread, or the next
                // process, runs it. Retired first, so the job is only kept for a sibling with room for it.
                Retire();
                _session.Jobs.PutBack(job);
                LogLifetimeReached();
                return;
            }

            bool last = settings.MaxJobsPerThread is int max && ++done >= max;
            try
            {
                await _session.Executor.ExecuteAsync(job, this, context, invoker, last);
            }
            catch (Exception ex)
            {
                // Not the job's exception (that is its outcome) but the runtime's own, around it: the job still gets
                // an outcome, then the thread ends as crashed.
                _session.Executor.FailUnfinished(job, this, ex);
                throw;
            }

            if (last)
            {
                WorkerLog.ThreadMaxJobsReached(_session.Logger, Name, done);
                return;
            }
        }
    }

    /// <summary>
    /// Takes the next job: one held ahead at once (its start then goes out with the last result); only a thread that
    /// must wait writes what it has first.
    /// </summary>
    /// <returns>The job, or <see langword="null"/> when the wait ended: the thread's lifetime, or the process leaving.</returns>
    private async Task<WorkerJob?> TakeJobAsync(CancellationToken wakeUp)
    {
        ChannelReader<WorkerJob> queue = _session.Jobs.Queue;
        if (queue.TryRead(out WorkerJob? job))
        {
            return job;
        }

        _session.Outbox.Flush();

        // A read (not a wait to read) so that a job wakes one thread, not all; awaited as the channel's own pooled
        // ValueTask, since this is every job's path when the thread runs out of work. The continuation comes back to
        // this thread. The wake-up token ends the wait once per thread, at its lifetime or the process's leaving.
        try
        {
            return await queue.ReadAsync(wakeUp);
        }
        catch (OperationCanceledException) when (wakeUp.IsCancellationRequested)
        {
            return null;
        }
    }

    private void LogLifetimeReached()
    {
        // A process that leaves wakes its threads too; only a thread's own lifetime is worth a line.
        if (!_session.Leave.Leaving.IsCancellationRequested && _session.Settings.ThreadLifetime is TimeSpan lifetime)
        {
            WorkerLog.ThreadLifetimeReached(_session.Logger, Name, lifetime);
        }
    }
}
