namespace Mpms.Hosting;

/// <summary>The worker process running a job ended before the job finished, so the job's result is lost.</summary>
public sealed class MpmsWorkerLostException : MpmsException
{
    /// <summary>Initializes a new instance of the <see cref="MpmsWorkerLostException"/> class.</summary>
    public MpmsWorkerLostException()
        : this("The worker process was lost.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsWorkerLostException"/> class with a message.</summary>
    /// <param name="message">What happened to the process.</param>
    public MpmsWorkerLostException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsWorkerLostException"/> class with a message and a cause.</summary>
    /// <param name="message">What happened to the process.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MpmsWorkerLostException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsWorkerLostException"/> class for a process that ended.</summary>
    /// <param name="processName">The name of the worker process.</param>
    /// <param name="processId">The operating-system id of the worker process.</param>
    /// <param name="reason">Why the process ended.</param>
    /// <param name="exitCode">The process's exit code, when it is known.</param>
    /// <param name="signal">The signal that ended the process, when one did.</param>
    public MpmsWorkerLostException(string processName, int processId, MpmsProcessExitReason reason, int? exitCode, int? signal)
        : base(Describe(processName, processId, reason, exitCode, signal))
    {
        ProcessName = processName;
        ProcessId = processId;
        Reason = reason;
        ExitCode = exitCode;
        Signal = signal;
    }

    /// <summary>Gets the name of the process that was lost.</summary>
    public string? ProcessName { get; }

    /// <summary>Gets the operating-system id of the process that was lost.</summary>
    public int? ProcessId { get; }

    /// <summary>Gets why the process ended.</summary>
    public MpmsProcessExitReason Reason { get; }

    /// <summary>Gets the process's exit code, when it is known.</summary>
    public int? ExitCode { get; }

    /// <summary>Gets the number of the signal that ended the process (9 for SIGKILL, 11 for SIGSEGV), when one did.</summary>
    public int? Signal { get; }

    private static string Describe(string processName, int processId, MpmsProcessExitReason reason, int? exitCode, int? signal)
    {
        string how = signal is int s ? $"signal {s} ({SignalNames.Get(s)})"
            : exitCode is int code ? $"exit code {code}"
            : "an unknown exit";
        return $"Worker process {processName} (pid {processId}) ended while running the job: {reason}, {how}.";
    }
}
