using System.Buffers;
using System.Net.Sockets;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// The application's end of the link to one worker process: it welcomes the process, hands the frames it sends to
/// their owners — credit to the <see cref="CreditPump"/>, outcomes and hand-backs to the leases in the
/// <see cref="LeaseLedger"/>, which reads the process's <see cref="StartMarks"/> after each burst of frames for the jobs
/// it started, stages to the process's <see cref="ProcessLifecycle"/>, heartbeats to its <see cref="LastHeartbeat"/>, the
/// evidence of what it runs. When the process dies, its leases end as its exit says.
/// </summary>
internal sealed class ProcessLink : IFrameHandler, ILeaseHolder, IDisposable
{
    // What the worker is still owed when the link closes (a drain, a cancel) is written within this, or dropped.
    private static readonly TimeSpan LinkCloseTimeout = TimeSpan.FromSeconds(5);

    private readonly SupervisionContext _pool;
    private readonly ProcessLifecycle _process;
    private readonly Link _link;
    private readonly IProcessEvents _events;
    private readonly LeaseLedger _ledger;
    private readonly CreditPump _pump;
    private long _lastSeenAt;
    private int _serving;
    private bool _ended;

    // Written only by the link's reading loop (one frame at a time), read by anyone: a plain increment suffices.
    private long _jobsDone;

    public ProcessLink(SupervisionContext pool, ProcessLifecycle process, Link link, IProcessEvents events, StartMarks? startMarks = null)
    {
        _pool = pool;
        _process = process;
        _link = link;
        _events = events;
        _ledger = new LeaseLedger(pool.Clock, jobsStartWhenSent: pool.Options.EffectivePrefetch == 0, startMarks);
        _pump = new CreditPump(pool.Dispatcher, this, _ledger, link.Outbox, pool.Stealing.Rebalance);
        Capacity = pool.Options.ThreadsPerProcess + pool.Options.EffectivePrefetch;
        Heartbeat = new LastHeartbeat(pool.Clock, _ledger, process.Name, pool.Options.ThreadsPerProcess);
        _lastSeenAt = pool.Clock.GetTimestamp();
    }

    /// <summary>Gets the clock's timestamp of the last frame from the process (of the link's start before any).</summary>
    public long LastSeenAt => Volatile.Read(ref _lastSeenAt);

    /// <summary>Gets a value indicating whether the link broke on a protocol error rather than closing.</summary>
    public bool Broken { get; private set; }

    /// <summary>Gets how many jobs the process holds (sent, with no outcome yet).</summary>
    public int InFlight => _ledger.Count;

    /// <summary>Gets the number of jobs the process reported an outcome for.</summary>
    public long JobsDone => Volatile.Read(ref _jobsDone);

    /// <summary>Gets the credit the process granted that is not spent yet.</summary>
    public int Credit => _pump.Credit;

    /// <summary>Gets the most jobs the process may hold, held and promised together: its threads plus the prefetch.</summary>
    public int Capacity { get; }

    /// <summary>Gets what the process's last heartbeat said it runs.</summary>
    public LastHeartbeat Heartbeat { get; }

    /// <summary>Welcomes the process and runs the link until the process closes it or breaks the protocol.</summary>
    public async Task RunAsync(WorkerSettings settings, CancellationToken cancellationToken)
    {
        Handshake.Welcome(_link, settings);
        if (_process.IsSpare)
        {
            _pump.Hold(); // before WhenServing, so that a promotion in between is not missed
        }

        _process.WhenServing(Serve);
        using var pumpStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task pump = _pump.RunAsync(pumpStop.Token);
        try
        {
            await _link.RunAsync(this, _pool.Options.MaxMessageSize + FrameInbox.FrameOverhead, cancellationToken).ConfigureAwait(false);
        }
        catch (MpmsProtocolException ex)
        {
            Broken = true;
            SupervisorLog.ProtocolError(_pool.Logger, _pool.PoolName, _process.Name, ex.Message);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            // The process vanished (killed): its exit says why.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Close();
            Volatile.Write(ref _ended, true);
            _pool.Stealing.Remove(this);
            await pumpStop.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await _link.CloseAsync(LinkCloseTimeout).ConfigureAwait(false);
            Dispose();
        }
    }

    public void Dispose() => _pump.Dispose();

    /// <summary>The process serves (from the start, or promoted from warm spare): it takes jobs and counts for stealing.</summary>
    private void Serve()
    {
        if (Interlocked.Exchange(ref _serving, 1) == 1)
        {
            return;
        }

        _pool.Stealing.Add(this);
        if (Volatile.Read(ref _ended))
        {
            _pool.Stealing.Remove(this); // promoted as its link ended: the end's removal may have come first
            return;
        }

        _pump.Resume();
    }

    /// <summary>Asks the process to stop taking jobs, finish, run its finalizers and exit.</summary>
    public void Drain(MpmsProcessExitReason reason) => StopSending(reason);

    public void Cancel(IJobLease lease) => _link.Outbox.Post(SmallFrames.Cancel(lease.Sequence));

    /// <summary>Asks the process to hand back up to <paramref name="count"/> jobs it holds that no thread has taken.</summary>
    public void Reclaim(int count) => _link.Outbox.Post(SmallFrames.Reclaim(count));

    /// <summary>Sends the process a job now, if it has credit for it (a job another process handed back).</summary>
    /// <returns><see langword="false"/> when it has no credit or takes no more jobs.</returns>
    public bool TrySendNow(IJobLease lease) => _pump.TrySendNow(lease);

    /// <summary>
    /// Ends every lease the dead process still had: the queue retries the job or reports it lost, with the thread and
    /// start its last heartbeat gave for it.
    /// </summary>
    public void FailInFlight(ProcessExit exit)
    {
        Close();
        var loss = new WorkerLoss(_process.Name, _process.ProcessId, exit.Reason, exit.ExitCode, exit.Signal);
        Func<long, LastSeenRunning?> lastSeen = Heartbeat.LastSeen();
        foreach (IJobLease lease in _ledger.CloseAndTakeAll())
        {
            lease.Lose(loss, lastSeen(lease.Sequence));
        }
    }

    /// <summary>Ends one lease as timed out from the application's side (the process did not report it).</summary>
    /// <returns><see langword="false"/> when the job had its outcome already.</returns>
    public bool TimeOut(long sequence, TimeSpan ranFor)
    {
        if (_ledger.Take(sequence) is not IJobLease lease)
        {
            return false;
        }

        lease.TimeOut(ranFor, _process.Name, _process.ProcessId);
        return true;
    }

    void IFrameHandler.OnFrame(FrameType type, in ReadOnlySequence<byte> body)
    {
        Volatile.Write(ref _lastSeenAt, _pool.Clock.GetTimestamp());
        switch (type)
        {
            case FrameType.Result:
                OnResult(ResultFrame.Read(body));
                break;
            case FrameType.Credit:
                OnCredit(SmallFrames.ReadInt32(body));
                break;
            case FrameType.Heartbeat:
                Heartbeat.Record(HeartbeatFrame.Read(body));
                break;
            case FrameType.Log:
                _pool.ForwardedLogs.Write(LogFrame.Read(body));
                break;
            case FrameType.Ready:
                _process.OnReady();
                SupervisorLog.ProcessReady(_pool.Logger, _pool.PoolName, _process.Name, _process.ProcessId);
                _events.OnChanged();
                break;
            case FrameType.Returned:
                // Straight to a process with an idle thread if there is one, else back to the queue.
                if (_ledger.Take(SmallFrames.ReadInt64(body)) is IJobLease returned && !_pool.Stealing.TryPlace(returned, this))
                {
                    returned.HandBack();
                }

                break;
            case FrameType.Reclaimed:
                SmallFrames.ReadInt32(body);
                _pool.Stealing.OnReclaimed(this);
                break;
            case FrameType.Progress:
                // Progress of a job that has its outcome already (timed out here) is dropped with it.
                ProgressFrame progress = ProgressFrame.Read(body);
                _ledger.Find(progress.Sequence)?.ReportProgress(progress.Value);
                break;
            case FrameType.Leaving:
                MpmsProcessExitReason reason = SmallFrames.ReadReason(body);

                // The answer that tells the process no job follows; jobs already on their way are handed back.
                StopSending(reason);
                _process.OnLeaving(reason);
                SupervisorLog.ProcessLeaving(_pool.Logger, _pool.PoolName, _process.Name, reason);
                _events.OnChanged();
                break;
            default:
                throw new MpmsProtocolException($"A worker process may not send {type} frames.");
        }
    }

    /// <summary>Records the jobs held ahead that the process marked started since the last look.</summary>
    public void ObserveStarts() => _ledger.ObserveStarts();

    void IFrameHandler.OnFramesRead()
    {
        // Once per burst, not per frame: the jobs held ahead that started since, and a slot that held sending up.
        _ledger.ObserveStarts();
        if (_pump.WaitsForSlot)
        {
            _pump.RetrySlot();
        }
    }

    private void OnCredit(int credit)
    {
        // A process asks for one job per free thread plus the prefetch: never for more than it can hold.
        if (credit <= 0 || credit > Capacity - InFlight - Credit)
        {
            throw new MpmsProtocolException($"Invalid credit {credit}: the process holds {InFlight} jobs and has {Credit} credit left, and may hold at most {Capacity} (ThreadsPerProcess + Prefetch).");
        }

        if (_process.OnThreadReady())
        {
            _events.OnStarted();
        }

        _pump.Grant(credit);
    }

    /// <summary>
    /// Sends the process no more jobs (the credit it granted is void) and tells it so with a drain. The ledger closes
    /// first, and job frames are only written while it is open: no job frame ever follows the drain.
    /// </summary>
    private void StopSending(MpmsProcessExitReason reason)
    {
        if (_ledger.Close())
        {
            _pump.Void();
            _link.Outbox.Post(SmallFrames.Drain(reason));
        }
    }

    /// <summary>Marks the link closed: nothing more is sent, and the leases it has are the dead process's.</summary>
    private void Close()
    {
        _ledger.Close();
        _pump.Void();
    }

    private void OnResult(in ResultFrame result)
    {
        IJobLease? lease = _ledger.Take(result.Sequence);
        if (lease is null)
        {
            // A late result of a job that already has its outcome (timed out on this side): dropped, never reported twice.
            SupervisorLog.LateResultDropped(_pool.Logger, _pool.PoolName, _process.Name, result.Sequence);
            return;
        }

        Volatile.Write(ref _jobsDone, _jobsDone + 1);
        lease.Complete(result, _process.ProcessId, Heartbeat.ThreadName(result.ThreadNumber));
    }
}
