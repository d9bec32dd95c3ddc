using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Worker.Logging;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Everything a worker process does: connect back to the application and prove itself, run the process initializers,
/// run <see cref="WorkerSettings.ThreadsPerProcess"/> worker threads fed through credit-based pull, enforce job
/// timeouts, leave when told or when its threads are done, run the process finalizers, and return an exit code.
/// </summary>
internal sealed class WorkerRuntime : IFrameHandler, IDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private readonly string _poolName;
    private readonly ConcurrentDictionary<long, ChildJob> _jobs = new();
    private readonly Channel<ChildJob> _queue = Channel.CreateUnbounded<ChildJob>();
    private readonly CancellationTokenSource _stopTaking = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _leaveDeadline = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drainReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _creditGate = new();
    private string[] _gracefulDieTypes = [];
    private int _live;
    private int _starting;
    private int _inFlight;
    private int _outstanding;
    private bool _everLive;
    private bool _leaving;
    private MpmsProcessExitReason _leaveReason;
    private volatile bool _exiting;
    private long _lastHeartbeat;
    private Timer? _ticker;
    private PosixSignalRegistration? _sigint;
    private PosixSignalRegistration? _sigterm;

    private readonly WorkerLogSink _logSink;
    private Link? _link;

    private FrameOutbox _outbox => _link!.Outbox;

    public WorkerRuntime(string poolName, IServiceProvider services, IJobInvoker invoker, ILoggerFactory loggerFactory, WorkerLogSink logSink)
    {
        _poolName = poolName;
        _logSink = logSink;
        Services = services;
        Invoker = invoker;
        Logger = loggerFactory.CreateLogger("Mpms.Hosting.WorkerRuntime");
        Registrations = new PoolRegistrations(poolName);
    }

    public IServiceProvider Services { get; }

    public IJobInvoker Invoker { get; }

    public ILogger Logger { get; }

    public PoolRegistrations Registrations { get; }

    public MpmsProcessContext Process { get; private set; } = null!;

    public WorkerSettings Settings { get; private set; } = null!;

    public ChannelReader<ChildJob> Jobs => _queue.Reader;

    /// <summary>Gets the token that wakes idle threads when the process stops taking jobs.</summary>
    public CancellationToken StopTaking => _stopTaking.Token;

    /// <summary>Gets the token that initializers get: signalled when the process must stop before it is ready.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public bool IsLeaving => Volatile.Read(ref _leaving);

    /// <summary>Runs the worker process to its end and returns its exit code.</summary>
    public async Task<int> RunAsync()
    {
        string endpoint = TakeVariable(StartupVariables.Endpoint);
        string secret = TakeVariable(StartupVariables.Secret);
        int number = int.Parse(TakeVariable(StartupVariables.ProcessNumber), System.Globalization.CultureInfo.InvariantCulture);
        Environment.SetEnvironmentVariable(StartupVariables.Pool, null);
        OsNames.SetProcessName(_poolName, number);
        Process = new MpmsProcessContext(_poolName, number, Services);
        using IDisposable? logScope = Logger.BeginScope(new ThreadLogScope(Process, null));

        try
        {
            _link = new Link(await SocketTransport.ConnectAsync(endpoint, CancellationToken.None).ConfigureAwait(false));
            Settings = await Handshake.GreetAsync(_link, secret, HandshakeTimeout).ConfigureAwait(false);
            _gracefulDieTypes = Settings.GracefulDieExceptions;
            if (Settings.ForwardLogs)
            {
                _logSink.Connect(_outbox, Process);
            }
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or MpmsProtocolException or OperationCanceledException)
        {
            WorkerLog.HandshakeFailed(Logger, _poolName, Process.ProcessName, endpoint, ex);
            return ExitCodes.HandshakeFailed;
        }

        StartBackgroundDuties();
        WorkerLog.ProcessStarting(Logger, _poolName, Process.ProcessName, Environment.ProcessId, Settings.ThreadsPerProcess);
        try
        {
            foreach (IProcessInitializer initializer in Registrations.ProcessInitializers(Services))
            {
                await initializer.InitializeAsync(Process, Stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (Stopping.IsCancellationRequested)
        {
            // Drained before it was ready: nothing to finalize.
            await CloseLinkAsync().ConfigureAwait(false);
            return ExitCodes.Normal;
        }
        catch (Exception ex)
        {
            WorkerLog.ProcessInitializerFailed(Logger, _poolName, Process.ProcessName, Environment.ProcessId, ex);
            _outbox.Post(SmallFrames.Leaving(MpmsProcessExitReason.StartFailed));
            await CloseLinkAsync().ConfigureAwait(false);
            return ExitCodes.ProcessInitializerFailed;
        }

        _outbox.Post(SmallFrames.Ready());
        lock (_creditGate)
        {
            _starting = Settings.ThreadsPerProcess;
        }

        WorkerThread[] threads = Enumerable.Range(1, Settings.ThreadsPerProcess).Select(n => new WorkerThread(this, n)).ToArray();
        foreach (WorkerThread thread in threads)
        {
            thread.Start();
        }

        await Task.WhenAny(Task.WhenAll(threads.Select(t => t.Finished)), _leaveDeadline.Task).ConfigureAwait(false);

        MpmsProcessExitReason reason;
        bool everLive;
        lock (_creditGate)
        {
            everLive = _everLive;
            reason = _leaving ? _leaveReason : everLive ? MpmsProcessExitReason.Recycled : MpmsProcessExitReason.StartFailed;
        }

        BeginLeaving(reason);
        ReturnUnstarted();
        foreach (IProcessFinalizer finalizer in Registrations.ProcessFinalizers(Services))
        {
            try
            {
                await finalizer.FinalizeAsync(Process, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                WorkerLog.ProcessFinalizerFailed(Logger, _poolName, Process.ProcessName, ex);
            }
        }

        WorkerLog.ProcessExiting(Logger, _poolName, Process.ProcessName, reason);
        await CloseLinkAsync().ConfigureAwait(false);
        return reason switch
        {
            MpmsProcessExitReason.StartFailed => ExitCodes.AllThreadsFailed,
            MpmsProcessExitReason.GracefulDie => ExitCodes.GracefulDie,
            MpmsProcessExitReason.JobTimeout => ExitCodes.JobTimeout,
            _ => ExitCodes.Normal,
        };
    }

    /// <summary>Stops taking jobs and tells the application why; the first reason wins.</summary>
    public void BeginLeaving(MpmsProcessExitReason reason)
    {
        lock (_creditGate)
        {
            if (_leaving)
            {
                return;
            }

            _leaving = true;
            _leaveReason = reason;
        }

        _outbox.Post(SmallFrames.Leaving(reason));
        _stopTaking.Cancel();
        _stopping.Cancel();
        ReturnUnstarted();
        if (reason == MpmsProcessExitReason.GracefulDie)
        {
            // The original gives running jobs worker_graceful_die_timeout, then exits anyway.
            _ = Task.Delay(Settings.GracefulDieTimeout).ContinueWith(_ => _leaveDeadline.TrySetResult(), TaskScheduler.Default);
        }
    }

    public void OnThreadLive()
    {
        lock (_creditGate)
        {
            _starting--;
            _live++;
            _everLive = true;
        }

        GrantCredit();
        _outbox.Flush();
    }

    public void OnThreadRetired()
    {
        lock (_creditGate)
        {
            _live--;
        }

        LeaveIfNoThreadLeft();
    }

    /// <summary>A thread ended before it took any job: its initializer failed, or the process left first.</summary>
    public void OnThreadStartFailed()
    {
        lock (_creditGate)
        {
            _starting--;
        }

        LeaveIfNoThreadLeft();
    }

    private void LeaveIfNoThreadLeft()
    {
        bool lastOne;
        lock (_creditGate)
        {
            // A sibling still running its initializer will take jobs: the process stays for it.
            lastOne = _live == 0 && _starting == 0 && _everLive && !_leaving;
        }

        if (lastOne)
        {
            // Every thread reached its lifecycle limit: the process leaves, and says so now so its replacement starts at once.
            BeginLeaving(MpmsProcessExitReason.Recycled);
        }
    }

    /// <summary>
    /// Puts a job a thread took but will not run back in this process's queue, for its other threads; or, when they
    /// have no room for it (all busy, and no prefetch), back to the application, which has other processes.
    /// </summary>
    public void PutBack(ChildJob job)
    {
        // Should the process start leaving right after, its last pass over the queue hands the job back.
        if (IsLeaving || IsOverCapacity() || !_queue.Writer.TryWrite(job))
        {
            GiveBack(job);
        }
    }

    /// <summary>
    /// Tells whether the process holds more jobs than its live threads and prefetch allow: a thread left (its lifetime
    /// or task limit) after credit was granted for it.
    /// </summary>
    private bool IsOverCapacity()
    {
        lock (_creditGate)
        {
            return _inFlight > _live + Settings.Prefetch;
        }
    }

    /// <summary>Hands a job that a thread took but will not run back to the application's queue.</summary>
    public void GiveBack(ChildJob job)
    {
        if (job.TryWithdraw())
        {
            _jobs.TryRemove(job.Sequence, out _);
            job.ReleasePayload();
            _outbox.Post(SmallFrames.Returned(job.Sequence));
            OnJobDone();
        }
    }

    /// <summary>Runs one job on the calling worker thread and reports its outcome, unless someone else already did.</summary>
    /// <param name="job">The job.</param>
    /// <param name="thread">The thread that runs it: the calling one.</param>
    /// <param name="threadContext">The thread's context, for the job's context.</param>
    /// <param name="invoker">The thread's worker.</param>
    /// <param name="lastForThread">
    /// The thread's last job (<see cref="WorkerSettings.MaxJobsPerThread"/>): the thread leaves the count of live threads
    /// once the job has run and before its result frees a credit, so that no job is asked for it, while its siblings
    /// are still asked jobs for as long as it runs.
    /// </param>
    public async Task ExecuteAsync(ChildJob job, WorkerThread thread, MpmsThreadContext threadContext, IThreadJobInvoker invoker, bool lastForThread)
    {
        if (!job.TryStart())
        {
            return; // canceled before it started; the cancel already reported it
        }

        var cancellation = new CancellationTokenSource();
        job.Thread = thread;
        job.StartedTicks = DateTime.UtcNow.Ticks;
        if (Settings.JobTimeout is TimeSpan timeout)
        {
            job.Deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        }

        job.Cancellation = cancellation;
        if (job.CancelReason != CancelReason.None)
        {
            cancellation.Cancel(); // a cancel that came between the start and here
        }

        // A job received ahead may wait here while a thread is busy; the application must know it started before it
        // runs, so that if this process dies, a job that never started goes back to the queue instead of being lost.
        if (Settings.Prefetch > 0 && _outbox.Enqueue(SmallFrames.Started(job.Sequence), out long startedFrame))
        {
            _outbox.Flush();
            Task written = _outbox.WaitWrittenAsync(startedFrame);
            if (!written.IsCompleted)
            {
                await written;
            }
        }
        else
        {
            _outbox.Flush(); // the thread's last result must not wait for this job to end
        }

        PooledBufferWriter buffer = thread.ResultBuffer;
        buffer.Clear();
        using Activity? activity = StartActivity(job, thread);
        WireStatus status = WireStatus.Succeeded;
        WireError? error = null;
        bool gracefulDie = false;
        try
        {
            await invoker.InvokeAsync(job.Payload, new MpmsJobContext(job.JobId, job.Attempt, JobIds.AcceptedAt(job.IdHigh), threadContext), buffer, cancellation.Token);
            if (buffer.WrittenCount > Settings.MaxMessageSize)
            {
                status = WireStatus.Failed;
                error = WireError.From(new MpmsSerializationException(
                    $"The result of job {job.JobId} is {buffer.WrittenCount} bytes serialised, more than MaxMessageSize ({Settings.MaxMessageSize})."));
            }
        }
        catch (OperationCanceledException ex) when (job.CancelReason != CancelReason.None && cancellation.IsCancellationRequested)
        {
            status = job.CancelReason == CancelReason.TimedOut ? WireStatus.TimedOut : WireStatus.Canceled;
            error = status == WireStatus.TimedOut
                ? new WireError(typeof(MpmsJobTimeoutException).FullName!, $"The job ran past JobTimeout ({Settings.JobTimeout!.Value.TotalSeconds:0.###} s) and stopped when its token was canceled.", ex.StackTrace, null)
                : new WireError(typeof(OperationCanceledException).FullName!, "The job was canceled while it ran.", ex.StackTrace, null);
        }
        catch (Exception ex)
        {
            status = WireStatus.Failed;
            error = WireError.From(ex);
            gracefulDie = IsGracefulDie(ex);
        }

        if (error is not null)
        {
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
        }

        if (lastForThread)
        {
            thread.Retire();
        }

        // Say that the process leaves before the result frees a credit, so that no job is sent for it.
        if (gracefulDie)
        {
            WorkerLog.GracefulDie(Logger, _poolName, thread.Name, error!.Type);
            BeginLeaving(MpmsProcessExitReason.GracefulDie);
        }
        else if (Settings.MaxMemoryPerProcess is long limit && Environment.WorkingSet is long workingSet && workingSet > limit)
        {
            WorkerLog.MemoryLimitReached(Logger, _poolName, Process.ProcessName, workingSet, limit);
            BeginLeaving(MpmsProcessExitReason.MemoryLimit);
        }

        if (job.TryFinish())
        {
            _jobs.TryRemove(job.Sequence, out _);
            long finished = DateTime.UtcNow.Ticks;
            if (error is null)
            {
                _outbox.Enqueue(ResultFrame.Success(job.Sequence, thread.Number, job.StartedTicks, finished, buffer.WrittenMemory));
            }
            else
            {
                _outbox.Enqueue(ResultFrame.Failure(job.Sequence, status, thread.Number, job.StartedTicks, finished, error.Truncate(64 * 1024)));
            }

            OnJobDone(flush: false); // the thread flushes before it waits, or with its next job's start
        }

        job.ReleasePayload();
    }

    /// <summary>Gives a job that its thread failed to finish (the runtime threw around it) a failed outcome, unless it has one.</summary>
    public void FailUnfinished(ChildJob job, WorkerThread thread, Exception exception)
    {
        if (!job.TryFinish())
        {
            return;
        }

        _jobs.TryRemove(job.Sequence, out _);
        var error = new WireError(exception.GetType().FullName ?? exception.GetType().Name, $"The worker runtime failed around the job: {exception.GetType().Name}.", null, null);
        _outbox.Enqueue(ResultFrame.Failure(job.Sequence, WireStatus.Failed, thread.Number, job.StartedTicks, DateTime.UtcNow.Ticks, error));
        OnJobDone();
        job.ReleasePayload();
    }

    /// <summary>Runs the job in a consumer activity that continues the trace of the put, when anyone listens.</summary>
    private Activity? StartActivity(ChildJob job, WorkerThread thread)
    {
        if (!MpmsTelemetry.Tracing.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(job.TraceParent, null, out ActivityContext parent);
        Activity? activity = MpmsTelemetry.Tracing.StartActivity($"{_poolName} process", ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            activity.SetTag("mpms.pool", _poolName);
            activity.SetTag("mpms.job_id", job.JobId);
            activity.SetTag("mpms.attempt", job.Attempt);
            activity.SetTag("thread.name", thread.Name);
        }

        return activity;
    }

    void IFrameHandler.OnFrame(FrameType type, in ReadOnlySequence<byte> body)
    {
        switch (type)
        {
            case FrameType.Job:
                OnJob(JobFrame.Read(body));
                break;
            case FrameType.Cancel:
                OnCancel(SmallFrames.ReadInt64(body));
                break;
            case FrameType.Drain:
                byte reason = SmallFrames.ReadByte(body);
                BeginLeaving(Enum.IsDefined((MpmsProcessExitReason)reason) ? (MpmsProcessExitReason)reason : MpmsProcessExitReason.Shutdown);

                // The application sends nothing after a drain: jobs that arrive before it are handed back, none after.
                _drainReceived.TrySetResult();
                break;
            default:
                throw new MpmsProtocolException($"The application may not send {type} frames.");
        }
    }

    private void OnJob(in JobFrame frame)
    {
        int length = (int)frame.Payload.Length;
        byte[] payload = ArrayPool<byte>.Shared.Rent(length);
        frame.Payload.CopyTo(payload);
        var job = new ChildJob(frame.Sequence, frame.IdHigh, frame.Attempt, frame.TraceParent, payload, length);
        lock (_creditGate)
        {
            if (--_outstanding < 0)
            {
                throw new MpmsProtocolException("The application sent a job without credit.");
            }

            _inFlight++;
        }

        _jobs[job.Sequence] = job;
        if (IsLeaving || IsOverCapacity())
        {
            // Sent before the application knew this process is leaving, or on credit granted for a thread that has
            // left since: the application gives it to a process with room for it.
            GiveBack(job);
            return;
        }

        _queue.Writer.TryWrite(job);
    }

    private void OnCancel(long sequence)
    {
        if (!_jobs.TryGetValue(sequence, out ChildJob? job))
        {
            return; // finished already
        }

        job.SetCancelReason(CancelReason.Canceled);
        if (job.TryWithdraw())
        {
            _jobs.TryRemove(sequence, out _);
            job.ReleasePayload();
            long now = DateTime.UtcNow.Ticks;
            _outbox.Enqueue(ResultFrame.Failure(sequence, WireStatus.Canceled, 0, 0, now, new WireError(typeof(OperationCanceledException).FullName!, "The job was canceled before it started.", null, null)));
            OnJobDone();
        }
        else
        {
            SignalCancel(job);
        }
    }

    /// <summary>Signals a running job's token. Its callbacks run here (the link's reader or the ticker): one that throws is logged, never lets the process fall.</summary>
    private void SignalCancel(ChildJob job)
    {
        try
        {
            job.Cancellation?.Cancel();
        }
        catch (Exception ex)
        {
            WorkerLog.CancellationCallbackFailed(Logger, job.JobId, ex);
        }
    }

    /// <summary>A job left the process (its outcome or a hand-back is enqueued): ask for the next, and write both at once.</summary>
    private void OnJobDone(bool flush = true)
    {
        lock (_creditGate)
        {
            _inFlight--;
        }

        GrantCredit();
        if (flush)
        {
            _outbox.Flush();
        }
    }

    /// <summary>Writes what worker threads enqueued (results, credit); a thread calls it before it waits for a job.</summary>
    public void Flush() => _outbox.Flush();

    /// <summary>Asks for as many jobs as there are live threads (plus prefetch) not yet busy or promised one.</summary>
    private void GrantCredit()
    {
        int grant;
        lock (_creditGate)
        {
            if (_leaving)
            {
                return;
            }

            grant = _live + Settings.Prefetch - _inFlight - _outstanding;
            if (grant <= 0)
            {
                return;
            }

            _outstanding += grant;
        }

        _outbox.Enqueue(SmallFrames.Credit(grant));
    }

    private void ReturnUnstarted()
    {
        while (_queue.Reader.TryRead(out ChildJob? job))
        {
            GiveBack(job);
        }
    }

    private bool IsGracefulDie(Exception exception)
    {
        for (Type? type = exception.GetType(); type is not null; type = type.BaseType)
        {
            if (type == typeof(MpmsGracefulDieException) || Array.IndexOf(_gracefulDieTypes, type.FullName) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private void StartBackgroundDuties()
    {
        _ = ReadLinkAsync();
        ParentWatchdog.Start(() => OnLinkLost("the application process is gone"));
        RegisterSignals();
        TimeSpan tick = Settings.JobTimeout is null ? Settings.HeartbeatInterval : TimeSpan.FromMilliseconds(Math.Min(100, Settings.HeartbeatInterval.TotalMilliseconds));
        _lastHeartbeat = Stopwatch.GetTimestamp();
        _ticker = new Timer(static state => ((WorkerRuntime)state!).OnTick(), this, tick, tick);
    }

    private async Task ReadLinkAsync()
    {
        string why = "the application closed the link";
        try
        {
            await _link!.RunAsync(this, Settings.MaxMessageSize + FrameInbox.FrameOverhead, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            why = ex.Message;
        }

        OnLinkLost(why);
    }

    private void OnLinkLost(string why)
    {
        if (_exiting)
        {
            return;
        }

        // Nobody is left to report to: leave at once, whatever runs.
        WorkerLog.LinkLost(Logger, _poolName, Process.ProcessName, why);
        Environment.Exit(ExitCodes.LinkLost);
    }

    private void OnTick()
    {
        long now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(_lastHeartbeat, now) >= Settings.HeartbeatInterval)
        {
            _lastHeartbeat = now;
            var running = new List<RunningJob>();
            foreach (ChildJob job in _jobs.Values)
            {
                if (job.IsRunning && job.Thread is { } thread)
                {
                    running.Add(new RunningJob(job.Sequence, thread.Number, job.StartedTicks));
                }
            }

            _outbox.Post(new HeartbeatFrame(running));
        }

        if (Settings.JobTimeout is not TimeSpan timeout)
        {
            return;
        }

        long grace = (long)(Settings.JobTimeoutGrace.TotalSeconds * Stopwatch.Frequency);
        foreach (ChildJob job in _jobs.Values)
        {
            if (!job.IsRunning || job.Deadline == 0 || now < job.Deadline)
            {
                continue;
            }

            if (!job.TimeoutSignalled)
            {
                job.TimeoutSignalled = true;
                job.SetCancelReason(CancelReason.TimedOut);
                SignalCancel(job);
            }
            else if (now >= job.Deadline + grace && job.TryFinish())
            {
                // The job ignored its token: report it, give up on its thread, and recycle the process.
                _jobs.TryRemove(job.Sequence, out _);
                WorkerLog.TaskAbandoned(Logger, _poolName, job.Thread?.Name ?? "?", job.JobId, timeout + Settings.JobTimeoutGrace);
                _outbox.Enqueue(ResultFrame.Failure(job.Sequence, WireStatus.TimedOut, job.Thread?.Number ?? 0, job.StartedTicks, DateTime.UtcNow.Ticks, new WireError(
                    typeof(MpmsJobTimeoutException).FullName!,
                    $"The job ran past JobTimeout ({timeout.TotalSeconds:0.###} s) and ignored its token for {Settings.JobTimeoutGrace.TotalSeconds:0.###} s more; its process is recycled.",
                    null,
                    null)));
                BeginLeaving(MpmsProcessExitReason.JobTimeout);
                OnJobDone();
                job.Thread?.Abandon();
            }
        }
    }

    private void RegisterSignals()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // Ctrl+C reaches the whole process group; the application decides when its workers stop, so SIGINT is ignored.
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, static context => context.Cancel = true);

        // SIGTERM sent to the worker itself drains it: running jobs finish, finalizers run, then it exits.
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            BeginLeaving(MpmsProcessExitReason.Shutdown);
        });
    }

    private async Task CloseLinkAsync()
    {
        // A job the application sent before it learned this process leaves must still be handed back; its drain
        // (the answer to our "leaving") says nothing more is on the way. A dead application never answers: bounded.
        await _drainReceived.Task.WaitAsync(FlushTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // A job that arrived as the process began leaving may have been queued after the last pass: hand it back too.
        ReturnUnstarted();
        _exiting = true;
        _ticker?.Dispose();
        _sigint?.Dispose();
        _sigterm?.Dispose();
        await _link!.CloseAsync(FlushTimeout).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _ticker?.Dispose();
        _sigint?.Dispose();
        _sigterm?.Dispose();
        _stopTaking.Dispose();
        _stopping.Dispose();
    }

    private static string TakeVariable(string name)
    {
        string value = Environment.GetEnvironmentVariable(name)
            ?? throw new InvalidOperationException($"The environment variable {name} is missing: this process was not started by an Mpms.Hosting pool.");
        Environment.SetEnvironmentVariable(name, null);
        return value;
    }
}
