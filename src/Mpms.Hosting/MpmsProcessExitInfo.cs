namespace Mpms.Hosting;

/// <summary>How one worker process of a pool ended: kept for the last few exits, the evidence of why a pool restarts.</summary>
public sealed record MpmsProcessExitInfo
{
    /// <summary>Gets the process's name in its pool, <c>mpms-&lt;pool&gt;-p&lt;n&gt;</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the operating-system process id it had.</summary>
    public required int ProcessId { get; init; }

    /// <summary>Gets why it ended.</summary>
    public required MpmsProcessExitReason Reason { get; init; }

    /// <summary>Gets its exit code, when known; on Unix 128 + N for a process ended by signal N.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Gets the number of the signal that ended it, on Unix.</summary>
    /// <value><see langword="null"/> when no signal ended it.</value>
    public int? Signal { get; init; }

    /// <summary>Gets the exit in words, as the pool logs it (for example <c>Signaled (SIGKILL)</c>).</summary>
    public required string Description { get; init; }

    /// <summary>Gets a value indicating whether it ended before any of its threads got past the initializers.</summary>
    public bool WasStartFailure { get; init; }

    /// <summary>Gets when the pool saw it exit.</summary>
    public required DateTimeOffset ExitedAt { get; init; }

    /// <summary>Gets how long it had run.</summary>
    public TimeSpan Uptime { get; init; }
}
