namespace Mpms.Hosting.Supervision;

/// <summary>
/// How the pool's last <see cref="Capacity"/> worker processes ended, for its details: the evidence of why it restarts.
/// Not thread-safe: the supervisor writes and reads it under its lock, once per process exit.
/// </summary>
internal sealed class ProcessExitHistory(TimeProvider clock)
{
    /// <summary>How many exits are kept.</summary>
    public const int Capacity = 20;

    // Newest last; the oldest is dropped once Capacity are kept.
    private readonly Queue<MpmsProcessExitInfo> _exits = new(Capacity);

    /// <summary>Notes how <paramref name="process"/> ended.</summary>
    public void Record(ProcessLifecycle process, ProcessExit exit)
    {
        if (_exits.Count == Capacity)
        {
            _exits.Dequeue();
        }

        _exits.Enqueue(new MpmsProcessExitInfo
        {
            Name = process.Name,
            ProcessId = process.ProcessId,
            Reason = exit.Reason,
            ExitCode = exit.ExitCode,
            Signal = exit.Signal,
            Description = exit.Describe(),
            WasStartFailure = exit.WasStartFailure,
            ExitedAt = clock.GetUtcNow(),
            Uptime = clock.GetElapsedTime(process.StartedAt),
        });
    }

    /// <summary>The exits kept, newest first.</summary>
    public MpmsProcessExitInfo[] Newest() => [.. _exits.Reverse()];
}
