using System.Buffers;
using System.Net.Sockets;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// The application's end of the link to one worker process: a pump that leases jobs as the process grants credit, a
/// reader that ends leases with what the process reports, and the set of leases the process holds, so that none is
/// forgotten when it dies.
/// </summary>
internal sealed class ProcessLink : IFrameHandler, ILeaseHolder, IDisposable
{
    // What the worker is still owed when the link closes (a drain, a cancel) is written within this, or dropped.
    private static readonly TimeSpan LinkCloseTimeout = TimeSpan.FromSeconds(5);

    private readonly IJobDispatcher _dispatcher;
    private readonly MpmsOptions _options;
    private readonly WorkerProcess _process;
    private readonly WorkerConnection _connection;
    private readonly FrameOutbox _outbox;
    private readonly ILogger _logger;
    private readonly Action _changed;
    private readonly Action _started;
    private readonly ForwardedLogWriter _logs;
    private readonly SemaphoreSlim _creditArrived = new(0, 1);
    private readonly string?[] _threadNames;

    // _lock guards _inFlight and the move to _leaving, so that no job frame is ever written after a drain.
    private readonly Lock _lock = new();
    private readonly Dictionary<long, IJobLease> _inFlight = [];
    private volatile bool _leaving;
    private int _credit;
    private long _lastSeen = Environment.TickCount64;
    private RunningJob[] _lastRunning = [];

    public ProcessLink(IJobDispatcher dispatcher, MpmsOptions options, WorkerProcess process, WorkerConnection connection, ILogger logger, ForwardedLogWriter logs, Action changed, Action started)
    {
        _dispatcher = dispatcher;
        _options = options;
        _process = process;
        _connection = connection;
        _outbox = connection.Link.Outbox;
        _logger = logger;
        _logs = logs;
        _changed = changed;
        _started = started;
        _threadNames = new string?[options.ThreadsPerProcess + 1];
    }

    /// <summary>Gets the <see cref="Environment.TickCount64"/> of the last frame from the process.</summary>
    public long LastSeen => Volatile.Read(ref _lastSeen);

    /// <summary>Gets a value indicating whether the link broke on a protocol error rather than closing.</summary>
    public bool Broken { get; private set; }

    /// <summary>Runs the link until the process closes it or breaks the protocol.</summary>
    public async Task RunAsync(WorkerSettings settings, CancellationToken cancellationToken)
    {
        Link link = _connection.Link;
        Handshake.Welcome(link, settings);
        using var pumpStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task pump = PumpAsync(pumpStop.Token);
        try
        {
            await link.RunAsync(this, _options.MaxMessageSize + FrameInbox.FrameOverhead, cancellationToken).ConfigureAwait(false);
        }
        catch (MpmsProtocolException ex)
        {
            Broken = true;
            SupervisorLog.ProtocolError(_logger, _dispatcher.PoolName, _process.Name, ex.Message);
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
            await pumpStop.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await link.CloseAsync(LinkCloseTimeout).ConfigureAwait(false);
            Dispose();
        }
    }

    public void Dispose() => _creditArrived.Dispose();

    /// <summary>Asks the process to stop taking jobs, finish, run its finalizers and exit.</summary>
    public void Drain(MpmsProcessExitReason reason) => StopSending(reason);

    public void Cancel(IJobLease lease) => _outbox.Post(SmallFrames.Cancel(lease.Sequence));

    /// <summary>Finds the oldest job that has been running in the process longer than <paramref name="limit"/>.</summary>
    /// <remarks>
    /// A job's age counts from when a thread started it, as its last heartbeat says: a prefetched job waiting in the
    /// process is not running yet. A process that stops sending heartbeats is caught by the heartbeat timeout instead.
    /// </remarks>
    public (IJobLease Lease, TimeSpan Age)? FindOverdue(TimeSpan limit)
    {
        RunningJob[] running = Volatile.Read(ref _lastRunning);
        DateTime now = DateTime.UtcNow;
        lock (_lock)
        {
            foreach (RunningJob job in running)
            {
                TimeSpan age = now - new DateTime(job.StartedTicks, DateTimeKind.Utc);
                if (age > limit && _inFlight.TryGetValue(job.Sequence, out IJobLease? lease))
                {
                    return (lease, age);
                }
            }
        }

        return null;
    }

    /// <summary>Tells which jobs the process was running at its last heartbeat, on which thread, and for how long by now.</summary>
    public IEnumerable<(string JobId, string ThreadName, TimeSpan Running)> RunningJobs()
    {
        RunningJob[] running = Volatile.Read(ref _lastRunning);
        var jobs = new List<(string, string, TimeSpan)>(running.Length);
        lock (_lock)
        {
            foreach (RunningJob job in running)
            {
                if (_inFlight.TryGetValue(job.Sequence, out IJobLease? lease))
                {
                    jobs.Add((lease.JobId, ThreadName(job.ThreadNumber) ?? "?", DateTime.UtcNow - new DateTime(job.StartedTicks, DateTimeKind.Utc)));
                }
            }
        }

        return jobs;
    }

    /// <summary>Ends every lease the dead process still had: the queue retries the job or reports it lost.</summary>
    public void FailInFlight(ProcessExit exit)
    {
        Close();
        IJobLease[] orphans;
        lock (_lock)
        {
            orphans = [.. _inFlight.Values];
            _inFlight.Clear();
        }

        var loss = new WorkerLoss(_process.Name, _process.ProcessId, exit.Reason, exit.ExitCode, exit.Signal);
        foreach (IJobLease lease in orphans)
        {
            lease.Lose(loss);
        }
    }

    /// <summary>Ends one lease as timed out from the application's side (the process did not report it).</summary>
    public void TimeOut(IJobLease lease, TimeSpan age)
    {
        lock (_lock)
        {
            if (!_inFlight.Remove(lease.Sequence))
            {
                return;
            }
        }

        lease.TimeOut(age, _process.Name, _process.ProcessId);
    }

    void IFrameHandler.OnFrame(FrameType type, in ReadOnlySequence<byte> body)
    {
        Volatile.Write(ref _lastSeen, Environment.TickCount64);
        switch (type)
        {
            case FrameType.Result:
                OnResult(ResultFrame.Read(body));
                break;
            case FrameType.Credit:
                OnCredit(SmallFrames.ReadInt32(body));
                break;
            case FrameType.Heartbeat:
                Volatile.Write(ref _lastRunning, HeartbeatFrame.Read(body));
                break;
            case FrameType.Log:
                _logs.Write(LogFrame.Read(body));
                break;
            case FrameType.Ready:
                _process.OnReady();
                SupervisorLog.ProcessReady(_logger, _dispatcher.PoolName, _process.Name, _process.ProcessId);
                _changed();
                break;
            case FrameType.Returned:
                TakeLease(SmallFrames.ReadInt64(body))?.HandBack();
                break;
            case FrameType.Started:
                long started = SmallFrames.ReadInt64(body);
                lock (_lock)
                {
                    if (_inFlight.TryGetValue(started, out IJobLease? lease))
                    {
                        lease.MarkStarted();
                    }
                }

                break;
            case FrameType.Leaving:
                MpmsProcessExitReason reason = SmallFrames.ReadReason(body);

                // The answer that tells the process no job follows; jobs already on their way are handed back.
                StopSending(reason);
                _process.OnLeaving(reason);
                SupervisorLog.ProcessLeaving(_logger, _dispatcher.PoolName, _process.Name, reason);
                _changed();
                break;
            default:
                throw new MpmsProtocolException($"A worker process may not send {type} frames.");
        }
    }

    private void OnCredit(int credit)
    {
        if (credit is <= 0 or > 1_000_000)
        {
            throw new MpmsProtocolException($"Invalid credit {credit}.");
        }

        if (_process.OnThreadReady())
        {
            _started();
        }

        if (_leaving)
        {
            return;
        }

        // Spend the credit on what is queued right here, on the reader's thread; the pump waits for the rest.
        Interlocked.Add(ref _credit, credit);
        SendQueued();
        if (Volatile.Read(ref _credit) > 0 && _creditArrived.CurrentCount == 0)
        {
            try
            {
                _creditArrived.Release();
            }
            catch (SemaphoreFullException)
            {
                // The pump was woken by someone else meanwhile.
            }
        }
    }

    /// <summary>
    /// Sends the process no more jobs (the credit it granted is void) and tells it so with a drain. Under the lock that
    /// sends jobs, so that no job frame ever follows the drain: the process takes nothing after it.
    /// </summary>
    private void StopSending(MpmsProcessExitReason reason)
    {
        lock (_lock)
        {
            if (!_leaving)
            {
                _leaving = true;
                Interlocked.Exchange(ref _credit, 0);
                _outbox.Post(SmallFrames.Drain(reason));
            }
        }
    }

    /// <summary>Marks the link closed: nothing more is sent, and the leases it has are the dead process's.</summary>
    private void Close()
    {
        lock (_lock)
        {
            _leaving = true;
            Interlocked.Exchange(ref _credit, 0);
        }
    }

    /// <summary>
    /// Sends jobs as they are put, while the process has credit. When a job is put the pump resumes on the putting
    /// thread; when credit arrives, the reader sends what is queued itself. Either way no thread hop is in between.
    /// </summary>
    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            // A leaving link sends nothing more: its pump ends (credit left over from a race with the drain is void).
            while (!_leaving)
            {
                if (Volatile.Read(ref _credit) > 0)
                {
                    await _dispatcher.WaitForJobAsync(cancellationToken).ConfigureAwait(false);
                    SendQueued();
                }
                else
                {
                    await _creditArrived.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Spends credit on queued jobs until one or the other runs out; one write carries the whole burst.</summary>
    private void SendQueued()
    {
        while (TryReserveCredit())
        {
            if (!_dispatcher.TryLease(this, out IJobLease? lease))
            {
                Interlocked.Increment(ref _credit);
                break;
            }

            if (!Send(lease))
            {
                break; // the link closed or drains: the job went back to the queue, and the credit is void
            }
        }

        // Jobs put one after another would each cost a write: a dense burst is coalesced into few.
        _outbox.Flush(coalesce: true);
    }

    private bool TryReserveCredit()
    {
        if (_leaving)
        {
            return false;
        }

        int credit = Volatile.Read(ref _credit);
        while (credit > 0)
        {
            int seen = Interlocked.CompareExchange(ref _credit, credit - 1, credit);
            if (seen == credit)
            {
                return true;
            }

            credit = seen;
        }

        return false;
    }

    /// <summary>Appends a leased job to the outbox (the caller flushes); a job leased as the link closes or drains goes back.</summary>
    /// <returns><see langword="true"/> when the job was sent.</returns>
    private bool Send(IJobLease lease)
    {
        bool closed;
        lock (_lock)
        {
            closed = _leaving;
            if (!closed)
            {
                _inFlight.Add(lease.Sequence, lease);

                // Copied into the outbox under the lock: a concurrent FailInFlight cannot end the lease meanwhile.
                _outbox.Enqueue(new JobFrame(lease.Sequence, lease.IdHigh, lease.Attempt, lease.TraceParent, lease.Payload));
            }
        }

        if (closed)
        {
            // Back to the queue outside the lock: putting it back may run another link's pump right here.
            lease.HandBack();
            return false;
        }

        // The caller may have canceled between the queue and here; the process answers a cancel for a job it has not
        // started with "canceled".
        if (lease.CancelRequested)
        {
            Cancel(lease);
        }

        return true;
    }

    private IJobLease? TakeLease(long sequence)
    {
        lock (_lock)
        {
            return _inFlight.Remove(sequence, out IJobLease? lease) ? lease : null;
        }
    }

    private void OnResult(in ResultFrame result)
    {
        IJobLease? lease = TakeLease(result.Sequence);
        if (lease is null)
        {
            // A late result of a job that already has its outcome (timed out on this side): dropped, never reported twice.
            SupervisorLog.LateResultDropped(_logger, _dispatcher.PoolName, _process.Name, result.Sequence);
            return;
        }

        lease.Complete(result, _process.ProcessId, ThreadName(result.ThreadNumber));
    }

    private string? ThreadName(int threadNumber)
    {
        if (threadNumber <= 0 || threadNumber >= _threadNames.Length)
        {
            return null;
        }

        return _threadNames[threadNumber] ??= MpmsNames.Thread(_process.Name, threadNumber);
    }
}
