using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker;

/// <summary>
/// The worker process's ticker. Every <see cref="WorkerSettings.HeartbeatInterval"/> it sends a heartbeat that lists the
/// running jobs (the evidence the application logs if the process then falls silent). With a
/// <see cref="WorkerSettings.JobTimeout"/> it signals the token of a job that ran past it, and a job that ignores its
/// token for <see cref="WorkerSettings.JobTimeoutGrace"/> more is reported timed out, its thread given up on, and the
/// process recycled. Once the process has been idle for a while, it gives back the memory its last burst of jobs grew
/// (<see cref="IdleTrim"/>). It runs on a timer, not on the worker threads, so a stuck job cannot stop it.
/// </summary>
internal sealed class JobWatchdog : IAsyncDisposable
{
    /// <summary>How often the ticker looks at job timeouts, when there are any; heartbeats come at their own interval.</summary>
    private static readonly TimeSpan TimeoutResolution = TimeSpan.FromMilliseconds(100);

    private readonly WorkerSettings _settings;
    private readonly MpmsProcessContext _process;
    private readonly FrameOutbox _outbox;
    private readonly HeldJobs _jobs;
    private readonly LeaveCoordinator _leave;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // One tick at a time, so that two never race over the same jobs; guards _lastHeartbeat.
    private readonly Lock _tickGate = new();
    private readonly IdleTrim _idleTrim = new();
    private long _lastHeartbeat;
    private ITimer? _timer;

    public JobWatchdog(WorkerSettings settings, MpmsProcessContext process, FrameOutbox outbox, HeldJobs jobs, LeaveCoordinator leave, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _process = process;
        _outbox = outbox;
        _jobs = jobs;
        _leave = leave;
        _time = time;
        _logger = logger;
    }

    /// <summary>Gets the period of the ticker: the heartbeat interval, or finer when jobs have a timeout.</summary>
    public TimeSpan Period => _settings.JobTimeout is null || _settings.HeartbeatInterval < TimeoutResolution ? _settings.HeartbeatInterval : TimeoutResolution;

    /// <summary>Starts ticking; the first heartbeat is due one interval from now.</summary>
    public void Start()
    {
        lock (_tickGate)
        {
            _lastHeartbeat = _time.GetTimestamp();
        }

        _timer = _time.CreateTimer(static state => ((JobWatchdog)state!).Tick(), this, Period, Period);
    }

    /// <summary>Sends a heartbeat when one is due, and enforces job timeouts.</summary>
    internal void Tick()
    {
        // A tick still in progress (a job's cancellation callback that blocks) makes this one skip, rather than pile
        // up thread-pool threads behind it.
        if (!_tickGate.TryEnter())
        {
            return;
        }

        try
        {
            long now = _time.GetTimestamp();
            if (_time.GetElapsedTime(_lastHeartbeat, now) >= _settings.HeartbeatInterval)
            {
                _lastHeartbeat = now;
                SendHeartbeat();
            }

            if (_settings.JobTimeout is TimeSpan timeout)
            {
                EnforceTimeouts(now, timeout);
            }
        }
        finally
        {
            _tickGate.Exit();
        }
    }

    /// <summary>Stops the ticker and waits for a tick in progress to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _timer, null) is { } timer)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void SendHeartbeat()
    {
        var running = new List<RunningJob>();
        foreach (WorkerJob job in _jobs.All)
        {
            if (job.IsRunning && job.Thread is { } thread)
            {
                running.Add(new RunningJob(job.Sequence, thread.Number, job.StartedTicks));
            }
        }

        _outbox.Post(new HeartbeatFrame(running));
        if (_idleTrim.OnHeartbeat(_jobs.Arrivals, !_jobs.IsEmpty))
        {
            (long before, long after) = IdleTrim.Trim();
            WorkerLog.IdleTrimmed(_logger, _process.PoolName, _process.ProcessName, before / (1024 * 1024), after / (1024 * 1024));
        }
    }

    private void EnforceTimeouts(long now, TimeSpan timeout)
    {
        long grace = (long)(_settings.JobTimeoutGrace.TotalSeconds * _time.TimestampFrequency);
        foreach (WorkerJob job in _jobs.All)
        {
            if (!job.IsRunning || job.Deadline == 0 || now < job.Deadline)
            {
                continue;
            }

            if (!job.TimeoutSignalled)
            {
                job.TimeoutSignalled = true;
                job.SetCancelReason(CancelReason.TimedOut);
                job.SignalCancel(_logger);
            }
            else if (now >= job.Deadline + grace && job.TryFinish())
            {
                Abandon(job, timeout);
            }
        }
    }

    /// <summary>The job ignored its token: report it, give up on its thread, and recycle the process.</summary>
    private void Abandon(WorkerJob job, TimeSpan timeout)
    {
        WorkerLog.TaskAbandoned(_logger, _process.PoolName, job.Thread?.Name ?? "?", job.JobId, timeout + _settings.JobTimeoutGrace);
        var error = new WireError(
            typeof(MpmsJobTimeoutException).FullName!,
            $"The job ran past JobTimeout ({timeout.TotalSeconds:0.###} s) and ignored its token for {_settings.JobTimeoutGrace.TotalSeconds:0.###} s more; its process is recycled.",
            null,
            null);
        _jobs.WriteOutcome(job, ResultFrame.Failure(job.Sequence, WireStatus.TimedOut, job.Thread?.Number ?? 0, job.StartedTicks, _time.GetUtcNow().UtcTicks, error));

        // Leaving before the credit is freed, so that no job is asked for a thread that is given up on.
        _leave.BeginLeaving(MpmsProcessExitReason.JobTimeout);
        _jobs.OnJobEnded();
        job.Thread?.Abandon();
    }
}
