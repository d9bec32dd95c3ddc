using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// What one process's last heartbeat said it runs, on which thread and since when: the evidence the hang rules, the
/// pool's details and the outcome of a lost job are told from, read against the leases the link holds.
/// </summary>
/// <remarks>
/// Written by the link's reading loop only (one heartbeat at a time), read by anyone: the list of running jobs is
/// replaced whole, never changed, so a reader sees one heartbeat's list.
/// </remarks>
internal sealed class LastHeartbeat
{
    private readonly TimeProvider _clock;
    private readonly LeaseLedger _ledger;
    private readonly string _processName;
    private readonly string?[] _threadNames;
    private long _receivedAt;
    private RunningJob[] _running = [];

    public LastHeartbeat(TimeProvider clock, LeaseLedger ledger, string processName, int threadsPerProcess)
    {
        _clock = clock;
        _ledger = ledger;
        _processName = processName;
        _threadNames = new string?[threadsPerProcess + 1];
    }

    /// <summary>Gets when the job the process must be running and has kept quiet about the longest was last accounted for.</summary>
    public long? OldestUnaccountedAt => _ledger.OldestUnaccountedAt();

    /// <summary>
    /// Gets how long the process has sent heartbeats without a job it must be running: from when that job was last
    /// accounted for to the last heartbeat. A process that falls silent stops this from growing; silence has its own rule.
    /// </summary>
    public TimeSpan? UnaccountedFor =>
        OldestUnaccountedAt is long accounted && Volatile.Read(ref _receivedAt) is var heartbeat && heartbeat > accounted
            ? _clock.GetElapsedTime(accounted, heartbeat)
            : null;

    /// <summary>Keeps a heartbeat's list of running jobs, and accounts for the leases it names.</summary>
    public void Record(RunningJob[] running)
    {
        Volatile.Write(ref _running, running);
        _ledger.Account(running);
        Volatile.Write(ref _receivedAt, _clock.GetTimestamp());
    }

    /// <summary>Finds the job the process has run the longest, as its last heartbeat says, among those it still holds.</summary>
    public RunningJobStart? OldestRunningJob() => _ledger.OldestRunning(Volatile.Read(ref _running));

    /// <summary>Tells which jobs the process was running at its last heartbeat, on which thread, and for how long by now.</summary>
    public IEnumerable<(string JobId, string ThreadName, TimeSpan Running)> RunningJobs()
    {
        DateTimeOffset now = _clock.GetUtcNow();
        return _ledger.Running(Volatile.Read(ref _running))
            .Select(r => (r.Lease.JobId, ThreadName(r.Job.ThreadNumber) ?? "?", now - new DateTimeOffset(r.Job.StartedTicks, TimeSpan.Zero)))
            .ToList();
    }

    /// <summary>Tells, for each of the process's threads, the job its last heartbeat said it runs (a dashboard's view).</summary>
    public MpmsThreadInfo[] DescribeThreads()
    {
        var threads = new MpmsThreadInfo[_threadNames.Length - 1];
        foreach ((IJobLease lease, RunningJob job) in _ledger.Running(Volatile.Read(ref _running)))
        {
            if (job.ThreadNumber > 0 && job.ThreadNumber <= threads.Length)
            {
                threads[job.ThreadNumber - 1] = new MpmsThreadInfo
                {
                    Number = job.ThreadNumber,
                    Name = ThreadName(job.ThreadNumber)!,
                    JobId = lease.JobId,
                    RunningSince = new DateTimeOffset(job.StartedTicks, TimeSpan.Zero),
                };
            }
        }

        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] ??= new MpmsThreadInfo { Number = i + 1, Name = ThreadName(i + 1)! };
        }

        return threads;
    }

    /// <summary>Reads, by sequence, where and since when the last heartbeat saw each job running, for the jobs of a dead process.</summary>
    public Func<long, LastSeenRunning?> LastSeen()
    {
        var lastSeen = new Dictionary<long, RunningJob>();
        foreach (RunningJob job in Volatile.Read(ref _running))
        {
            if (LeaseLedger.IsValidStart(job))
            {
                lastSeen.TryAdd(job.Sequence, job);
            }
        }

        return sequence => lastSeen.TryGetValue(sequence, out RunningJob seen) && ThreadName(seen.ThreadNumber) is { } thread
            ? new LastSeenRunning(thread, new DateTimeOffset(seen.StartedTicks, TimeSpan.Zero))
            : null;
    }

    /// <summary>Names one of the process's threads by its number; <see langword="null"/> for a number it does not have.</summary>
    public string? ThreadName(int threadNumber)
    {
        if (threadNumber <= 0 || threadNumber >= _threadNames.Length)
        {
            return null;
        }

        return _threadNames[threadNumber] ??= MpmsNames.Thread(_processName, threadNumber);
    }
}
