namespace Mpms.Hosting;

/// <summary>One worker process of a pool as the pool sees it now: for dashboards and diagnostics.</summary>
public sealed record MpmsProcessInfo
{
    /// <summary>Gets the process's name in its pool, <c>mpms-&lt;pool&gt;-p&lt;n&gt;</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the process's number in its pool: 1 for the first started, one more for each start after it.</summary>
    public required int Number { get; init; }

    /// <summary>Gets the operating-system process id (the application's own with <see cref="MpmsExecutionMode.InProcess"/>).</summary>
    public required int ProcessId { get; init; }

    /// <summary>Gets the process's life stage.</summary>
    public required MpmsProcessState State { get; init; }

    /// <summary>Gets when the pool started the process.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets how long the process has run.</summary>
    public required TimeSpan Uptime { get; init; }

    /// <summary>Gets the process's resident memory in bytes, read from the operating system when the details were taken.</summary>
    /// <value><see langword="null"/> when it cannot be read, and with <see cref="MpmsExecutionMode.InProcess"/> (the memory is the application's).</value>
    public long? MemoryBytes { get; init; }

    /// <summary>Gets the number of jobs the process has reported an outcome for.</summary>
    public long JobsDone { get; init; }

    /// <summary>Gets a value indicating whether the process is a warm spare (<see cref="MpmsOptions.WarmSpares"/>): sent no job
    /// until it takes the place of a process that ends.</summary>
    public bool IsWarmSpare { get; init; }

    /// <summary>Gets the number of jobs the process holds now: running, or received ahead of a free thread.</summary>
    public int JobsHeld { get; init; }

    /// <summary>Gets the process's worker threads, by number, each with the job it runs; empty until the process connected.</summary>
    public IReadOnlyList<MpmsThreadInfo> Threads { get; init; } = [];
}
