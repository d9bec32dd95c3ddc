namespace Mpms.Hosting;

/// <summary>One of the latest jobs that failed, timed out or lost their worker, with the exception that says why.</summary>
public sealed record MpmsRecentFailure
{
    /// <summary>Gets the job's id.</summary>
    public required string JobId { get; init; }

    /// <summary>Gets the job's outcome: <see cref="MpmsJobStatus.Failed"/>, <see cref="MpmsJobStatus.TimedOut"/> or <see cref="MpmsJobStatus.WorkerLost"/>.</summary>
    public required MpmsJobStatus Status { get; init; }

    /// <summary>Gets the attempt that ended so, 1 for the first.</summary>
    public int Attempt { get; init; }

    /// <summary>Gets the full name of the exception's type; for a worker's exception, the type the worker threw.</summary>
    public required string ExceptionType { get; init; }

    /// <summary>Gets the exception's message.</summary>
    public required string Message { get; init; }

    /// <summary>Gets the exception's stack trace; for a worker's exception, its stack trace in the worker process.</summary>
    public string? StackTrace { get; init; }

    /// <summary>Gets the id of the process that ran the job, when one did.</summary>
    public int? ProcessId { get; init; }

    /// <summary>Gets the name of the thread that ran the job, when known.</summary>
    public string? ThreadName { get; init; }

    /// <summary>Gets when the job got its outcome.</summary>
    public required DateTimeOffset FailedAt { get; init; }
}
