namespace Mpms.Hosting;

/// <summary>One worker thread of a worker process, and the job it was running at the process's last heartbeat.</summary>
/// <remarks>
/// Running jobs are what the process's heartbeats report, so a job shows up to one
/// <see cref="MpmsOptions.HeartbeatInterval"/> after it started and stays listed up to one interval after it ended.
/// </remarks>
public sealed record MpmsThreadInfo
{
    /// <summary>Gets the thread's number in its process, from 1 to <see cref="MpmsOptions.ThreadsPerProcess"/>.</summary>
    public required int Number { get; init; }

    /// <summary>Gets the thread's name, <c>mpms-&lt;pool&gt;-p&lt;n&gt;#t&lt;i&gt;</c> (the name its log lines carry).</summary>
    public required string Name { get; init; }

    /// <summary>Gets the id of the job the thread runs.</summary>
    /// <value><see langword="null"/> while the thread runs no job.</value>
    public string? JobId { get; init; }

    /// <summary>Gets when the thread started the job it runs.</summary>
    /// <value><see langword="null"/> while the thread runs no job.</value>
    public DateTimeOffset? RunningSince { get; init; }
}
