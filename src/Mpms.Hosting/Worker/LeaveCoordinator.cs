using System.Diagnostics;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Worker;

/// <summary>Where a worker process is in its leaving; it only moves forward.</summary>
internal enum LeaveState
{
    /// <summary>Taking jobs.</summary>
    Running,

    /// <summary>Taking no more jobs: running ones finish, then the finalizers run.</summary>
    Leaving,

    /// <summary>Closing its link: a link that ends now is the process's own doing, not a lost application.</summary>
    Exiting,
}

/// <summary>
/// The one place that decides that a worker process leaves, and why: the application's drain, a signal, its threads'
/// lifecycle limits, a graceful-die exception, its memory limit, or a job that ignored its timeout. The first reason
/// wins. Leaving tells the application at once (so its replacement starts), stops the credit, wakes idle threads and
/// initializers, hands back the jobs no thread took, and for a graceful die starts the deadline after which the process
/// exits even if jobs still run.
/// </summary>
internal sealed class LeaveCoordinator : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly CreditLedger _ledger;
    private readonly HeldJobs _jobs;
    private readonly FrameOutbox _outbox;
    private readonly TimeProvider _time;
    private readonly TimeSpan _gracefulDieTimeout;
    private readonly CancellationTokenSource _leaving = new();
    private readonly CancellationTokenSource _deadlineStopped = new();
    private readonly TaskCompletionSource _drainReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Completed by the drain, or when the link is lost and no drain can come any more.
    private readonly TaskCompletionSource _drainWaitOver = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _deadlinePassed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Only moves forward; _reason is set with the move to Leaving and never changes after.
    private LeaveState _state;
    private MpmsProcessExitReason _reason;

    // The graceful-die deadline's timer, awaited at dispose; set once, under the gate.
    private Task _deadline = Task.CompletedTask;
    private bool _disposed;

    public LeaveCoordinator(TimeSpan gracefulDieTimeout, CreditLedger ledger, HeldJobs jobs, FrameOutbox outbox, TimeProvider time)
    {
        _gracefulDieTimeout = gracefulDieTimeout;
        _ledger = ledger;
        _jobs = jobs;
        _outbox = outbox;
        _time = time;

        // Read once: a thread given up on may still look at it after the coordinator is disposed.
        Leaving = _leaving.Token;
    }

    /// <summary>Gets the token signalled when the process begins leaving: it wakes idle threads and stops initializers.</summary>
    public CancellationToken Leaving { get; }

    public LeaveState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public bool IsLeaving => State != LeaveState.Running;

    /// <summary>Gets why the process leaves, or <see langword="null"/> while it runs.</summary>
    public MpmsProcessExitReason? Reason
    {
        get
        {
            lock (_gate)
            {
                return _state == LeaveState.Running ? null : _reason;
            }
        }
    }

    /// <summary>Gets a value indicating whether the application's drain arrived: it sends no job after it.</summary>
    public bool DrainReceived => _drainReceived.Task.IsCompleted;

    /// <summary>Gets a task that completes <see cref="WorkerSettings.GracefulDieTimeout"/> after a graceful die began.</summary>
    public Task GracefulDieDeadline => _deadlinePassed.Task;

    /// <summary>Stops taking jobs and tells the application why; the first reason wins.</summary>
    /// <returns><see langword="false"/> when the process was leaving already.</returns>
    public bool BeginLeaving(MpmsProcessExitReason reason)
    {
        lock (_gate)
        {
            if (_state != LeaveState.Running)
            {
                return false;
            }

            _state = LeaveState.Leaving;
            _reason = reason;
            if (reason == MpmsProcessExitReason.GracefulDie && !_disposed)
            {
                // The original gives running jobs worker_graceful_die_timeout, then exits anyway.
                _deadline = PassDeadlineAsync();
            }
        }

        _ledger.Close();
        _outbox.Post(SmallFrames.Leaving(reason));
        _leaving.Cancel();
        _jobs.ReturnUnstarted();
        return true;
    }

    /// <summary>The application drained the process: it leaves for the application's reason, and no job follows.</summary>
    public void OnDrainReceived(MpmsProcessExitReason reason)
    {
        BeginLeaving(reason);
        _drainReceived.TrySetResult();
        _drainWaitOver.TrySetResult();
    }

    /// <summary>The link to the application is lost: no drain can come, so nothing waits for one.</summary>
    public void OnLinkLost() => _drainWaitOver.TrySetResult();

    /// <summary>
    /// Waits for the application's drain, the answer to this process's leaving: a job the application sent before it
    /// learned that must still be handed back. A dead application never answers, hence the bound; a lost link ends it.
    /// </summary>
    /// <returns><see langword="true"/> when the drain arrived.</returns>
    public async Task<bool> WaitForDrainAsync(TimeSpan timeout)
    {
        await _drainWaitOver.Task.WaitAsync(timeout, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return DrainReceived;
    }

    /// <summary>The process closes its link: from now on the link's end is expected.</summary>
    public void BeginExiting()
    {
        lock (_gate)
        {
            Debug.Assert(_state == LeaveState.Leaving, "A process exits only after it began leaving.");
            _state = LeaveState.Exiting;
        }
    }

    /// <summary>Stops the graceful-die deadline's timer and waits for it to end.</summary>
    public async ValueTask DisposeAsync()
    {
        Task deadline;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            deadline = _deadline;
        }

        await _deadlineStopped.CancelAsync().ConfigureAwait(false);
        await deadline.ConfigureAwait(false);
        _deadlineStopped.Dispose();
        _leaving.Dispose();
    }

    private async Task PassDeadlineAsync()
    {
        await Task.Delay(_gracefulDieTimeout, _time, _deadlineStopped.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!_deadlineStopped.IsCancellationRequested)
        {
            _deadlinePassed.TrySetResult();
        }
    }
}
