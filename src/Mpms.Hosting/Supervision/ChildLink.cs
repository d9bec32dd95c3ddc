using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Queue;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// The application's end of the link to one worker process: a pump that sends jobs as the child grants credit, a
/// reader that turns result frames into outcomes, and the set of jobs the child has, so that none is forgotten
/// when the child dies.
/// </summary>
internal sealed class ChildLink<TJob, TResult> : IFrameHandler, IJobCanceller, IDisposable
{
    // What the worker is still owed when the link closes (a drain, a cancel) is written within this, or dropped.
    private static readonly TimeSpan LinkCloseTimeout = TimeSpan.FromSeconds(5);

    private readonly MpmsPool<TJob, TResult> _pool;
    private readonly WorkerProcess _process;
    private readonly WorkerConnection _connection;
    private readonly FrameOutbox _outbox;
    private readonly ILogger _logger;
    private readonly Action _changed;
    private readonly Action _started;
    private readonly ForwardedLogWriter _logs;
    private readonly SemaphoreSlim _creditArrived = new(0, 1);
    private int _credit;
    private volatile bool _leaving;
    private readonly Dictionary<long, PendingJob<TJob, TResult>> _inFlight = [];
    private readonly string?[] _threadNames;
    private long _lastSeen = Environment.TickCount64;
    private RunningJob[] _lastRunning = [];

    public ChildLink(MpmsPool<TJob, TResult> pool, WorkerProcess process, WorkerConnection connection, ILogger logger, ForwardedLogWriter logs, Action changed, Action started)
    {
        _started = started;
        _logs = logs;
        _changed = changed;
        _pool = pool;
        _process = process;
        _connection = connection;
        _outbox = connection.Link.Outbox;
        _logger = logger;
        _threadNames = new string?[pool.Options.ThreadsPerProcess + 1];
    }

    /// <summary>Gets the <see cref="Environment.TickCount64"/> of the last frame from the child.</summary>
    public long LastSeen => Volatile.Read(ref _lastSeen);

    /// <summary>Gets a value indicating whether the link broke on a protocol error rather than closing.</summary>
    public bool Broken { get; private set; }

    /// <summary>Runs the link until the child closes it or breaks the protocol.</summary>
    public async Task RunAsync(WorkerSettings settings, CancellationToken cancellationToken)
    {
        Link link = _connection.Link;
        Handshake.Welcome(link, settings);
        using var pumpStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task pump = PumpAsync(pumpStop.Token);
        try
        {
            await link.RunAsync(this, _pool.Options.MaxMessageSize + FrameInbox.FrameOverhead, cancellationToken).ConfigureAwait(false);
        }
        catch (MpmsProtocolException ex)
        {
            Broken = true;
            SupervisorLog.ProtocolError(_logger, _pool.PoolName, _process.Name, ex.Message);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            // The child vanished (killed): the process's exit says why.
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

    /// <summary>Asks the child to stop taking jobs, finish, run its finalizers and exit.</summary>
    public void Drain(MpmsProcessExitReason reason) => StopSending(reason);

    /// <summary>
    /// Sends the child no more jobs (the credit it granted is void) and tells it so with a drain. Under the lock that
    /// sends jobs, so that no job frame ever follows the drain: the child takes nothing after it.
    /// </summary>
    private void StopSending(MpmsProcessExitReason reason)
    {
        lock (_inFlight)
        {
            if (!_leaving)
            {
                _leaving = true;
                Interlocked.Exchange(ref _credit, 0);
                _outbox.Post(SmallFrames.Drain(reason));
            }
        }
    }

    /// <summary>Marks the link closed: nothing more is sent, and the jobs it has are the dead child's.</summary>
    private void Close()
    {
        lock (_inFlight)
        {
            _leaving = true;
            Interlocked.Exchange(ref _credit, 0);
        }
    }

    public void CancelJob(long sequence) => _outbox.Post(SmallFrames.Cancel(sequence));

    /// <summary>Finds the oldest job that has been with the child longer than <paramref name="limit"/>.</summary>
    /// <remarks>
    /// A job's age counts from when a thread started it, as its last heartbeat says: a prefetched job waiting in the
    /// child is not running yet. A child that stops sending heartbeats is caught by the heartbeat timeout instead.
    /// </remarks>
    public (PendingJob<TJob, TResult> Job, TimeSpan Age)? FindOverdue(TimeSpan limit)
    {
        RunningJob[] running = Volatile.Read(ref _lastRunning);
        DateTime now = DateTime.UtcNow;
        lock (_inFlight)
        {
            foreach (RunningJob job in running)
            {
                TimeSpan age = now - new DateTime(job.StartedTicks, DateTimeKind.Utc);
                if (age > limit && _inFlight.TryGetValue(job.Sequence, out PendingJob<TJob, TResult>? entry))
                {
                    return (entry, age);
                }
            }
        }

        return null;
    }

    /// <summary>Tells which jobs the child was running at its last heartbeat, on which thread, and for how long by now.</summary>
    public IEnumerable<(string JobId, string ThreadName, TimeSpan Running)> RunningJobs()
    {
        RunningJob[] running = Volatile.Read(ref _lastRunning);
        var jobs = new List<(string, string, TimeSpan)>(running.Length);
        lock (_inFlight)
        {
            foreach (RunningJob job in running)
            {
                if (_inFlight.TryGetValue(job.Sequence, out PendingJob<TJob, TResult>? entry))
                {
                    jobs.Add((entry.JobId, ThreadName(job.ThreadNumber) ?? "?", DateTime.UtcNow - new DateTime(job.StartedTicks, DateTimeKind.Utc)));
                }
            }
        }

        return jobs;
    }

    /// <summary>Gives every job the dead child still had its outcome: worker lost, or another attempt.</summary>
    public void FailInFlight(ProcessExit exit)
    {
        Close();
        PendingJob<TJob, TResult>[] orphans;
        lock (_inFlight)
        {
            orphans = [.. _inFlight.Values];
            _inFlight.Clear();
        }

        MpmsOptions options = _pool.Options;
        foreach (PendingJob<TJob, TResult> job in orphans)
        {
            // With prefetch the child says when a job starts: one it held but never started was not lost, it waited.
            if (options.Prefetch > 0 && !job.StartedOnChild)
            {
                _pool.Requeue(job, newAttempt: false);
                continue;
            }

            if (options.OnWorkerLost == MpmsWorkerLostPolicy.Retry && job.Attempt < options.MaxAttempts && !job.CancelRequested)
            {
                SupervisorLog.JobRetried(_logger, _pool.PoolName, job.JobId, _process.Name, job.Attempt + 1, exit.Describe());
                _pool.Requeue(job, newAttempt: true);
                continue;
            }

            var lost = new MpmsWorkerLostException(_process.Name, _process.ProcessId, exit.Reason, exit.ExitCode, exit.Signal);
            _pool.TryFinish(job, MpmsJobStatus.WorkerLost, default, lost, null, _process.ProcessId, null);
        }
    }

    /// <summary>Gives one job the timed-out outcome from the application's side (the child did not report it).</summary>
    public void TimeOut(PendingJob<TJob, TResult> job, TimeSpan age)
    {
        lock (_inFlight)
        {
            if (!_inFlight.Remove(job.Sequence))
            {
                return;
            }
        }

        var timeout = new MpmsJobTimeoutException($"The job ran for {age.TotalSeconds:0.#} s without finishing, past JobTimeout; its process {_process.Name} was killed.");
        _pool.TryFinish(job, MpmsJobStatus.TimedOut, default, timeout, null, _process.ProcessId, null);
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
                int credit = SmallFrames.ReadInt32(body);
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
                    break;
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

                break;
            case FrameType.Heartbeat:
                Volatile.Write(ref _lastRunning, HeartbeatFrame.Read(body));
                break;
            case FrameType.Log:
                _logs.Write(LogFrame.Read(body));
                break;
            case FrameType.Ready:
                _process.OnReady();
                SupervisorLog.ProcessReady(_logger, _pool.PoolName, _process.Name, _process.ProcessId);
                _changed();
                break;
            case FrameType.Returned:
                OnReturned(SmallFrames.ReadInt64(body));
                break;
            case FrameType.Started:
                long started = SmallFrames.ReadInt64(body);
                lock (_inFlight)
                {
                    if (_inFlight.TryGetValue(started, out PendingJob<TJob, TResult>? job))
                    {
                        job.StartedOnChild = true;
                    }
                }

                break;
            case FrameType.Leaving:
                MpmsProcessExitReason reason = SmallFrames.ReadReason(body);

                // The answer that tells the child no job follows; jobs already on their way are handed back.
                StopSending(reason);
                _process.OnLeaving(reason);
                SupervisorLog.ProcessLeaving(_logger, _pool.PoolName, _process.Name, reason);
                _changed();
                break;
            default:
                throw new MpmsProtocolException($"A worker process may not send {type} frames.");
        }
    }

    /// <summary>
    /// Sends jobs as they are put, while the child has credit. When a job is put the pump resumes on the putting
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
                    await _pool.WaitForJobAsync(cancellationToken).ConfigureAwait(false);
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
        // Jobs put one after another would each cost a write: a dense burst is coalesced into few.
        while (TryReserveCredit())
        {
            if (!_pool.TryTake(out PendingJob<TJob, TResult>? job))
            {
                Interlocked.Increment(ref _credit);
                break;
            }

            if (!Send(job))
            {
                if (_leaving)
                {
                    break; // the link closed or drains: the job went back to the queue, and the credit is void
                }

                Interlocked.Increment(ref _credit); // a job canceled while it waited: no credit spent
            }
        }

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

    /// <summary>Appends a job to the outbox (the caller flushes); a job taken while the link closed or drains goes back to the queue.</summary>
    /// <returns><see langword="true"/> when the job was sent.</returns>
    private bool Send(PendingJob<TJob, TResult> job)
    {
        bool closed;
        bool sent = false;
        lock (_inFlight)
        {
            closed = _leaving;
            if (!closed && job.TryMarkSent())
            {
                sent = true;
                _pool.OnSent();
                job.Link = this;
                _inFlight.Add(job.Sequence, job);

                // Copied into the outbox under the lock: a concurrent FailInFlight cannot release the payload meanwhile.
                _outbox.Enqueue(new JobFrame(job.Sequence, job.IdHigh, job.Attempt, job.TraceParent, job.Payload));
            }
        }

        if (closed)
        {
            // Back to the queue outside the lock: putting it back may run another link's pump right here.
            _pool.ReturnUnsent(job);
            return false;
        }

        // The caller may have canceled between the queue and here; the child answers a cancel for a job it has not started with "canceled".
        if (sent && job.CancelRequested)
        {
            CancelJob(job.Sequence);
        }

        return sent;
    }

    private void OnReturned(long sequence)
    {
        PendingJob<TJob, TResult>? job;
        lock (_inFlight)
        {
            if (!_inFlight.Remove(sequence, out job))
            {
                return;
            }
        }

        _pool.Requeue(job, newAttempt: false);
    }

    private void OnResult(in ResultFrame result)
    {
        PendingJob<TJob, TResult>? job;
        lock (_inFlight)
        {
            if (!_inFlight.Remove(result.Sequence, out job))
            {
                // A late result of a job that already has its outcome (timed out on this side): dropped, never reported twice.
                SupervisorLog.LateResultDropped(_logger, _pool.PoolName, _process.Name, result.Sequence);
                return;
            }
        }

        DateTimeOffset? startedAt = result.StartedTicks > 0 ? new DateTimeOffset(result.StartedTicks, TimeSpan.Zero) : null;
        DateTimeOffset? finishedAt = result.FinishedTicks > 0 ? new DateTimeOffset(result.FinishedTicks, TimeSpan.Zero) : null;
        string? threadName = ThreadName(result.ThreadNumber);
        TResult? value = default;
        Exception? exception = null;
        MpmsJobStatus status;
        switch (result.Status)
        {
            case WireStatus.Succeeded:
                status = MpmsJobStatus.Succeeded;
                try
                {
                    value = Deserialize(result.Payload);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    status = MpmsJobStatus.Failed;
                    exception = new MpmsSerializationException(
                        $"The result of job {job.JobId} cannot be read as '{typeof(TResult).FullName}': {ex.Message}", ex);
                }

                break;
            case WireStatus.Failed:
                status = MpmsJobStatus.Failed;
                exception = ToException(result.Error!);
                break;
            case WireStatus.TimedOut:
                status = MpmsJobStatus.TimedOut;
                exception = new MpmsJobTimeoutException(result.Error!.Message);
                break;
            default:
                status = MpmsJobStatus.Canceled;
                exception = new OperationCanceledException(result.Error?.Message ?? "The job was canceled.", job.CancelToken);
                break;
        }

        _pool.TryFinish(job, status, value, exception, startedAt, _process.ProcessId, threadName, finishedAt);
    }

    private static Exception ToException(WireError error) => error.Type switch
    {
        // The child reports a result it could not serialise under this type name; keep it recognisable.
        "Mpms.Hosting.MpmsSerializationException" => new MpmsSerializationException(error.Message),
        _ => new MpmsWorkerException(error.Type, error.Message, error.StackTrace, error.Details),
    };

    private TResult Deserialize(in ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            return _pool.Serializer.Deserialize<TResult>(payload.FirstSpan);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        try
        {
            payload.CopyTo(rented);
            return _pool.Serializer.Deserialize<TResult>(rented.AsSpan(0, (int)payload.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
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
