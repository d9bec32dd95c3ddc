namespace Mpms.Hosting.Dispatch;

/// <summary>How a worker process that held jobs ended, as far as the pool can tell.</summary>
/// <param name="ProcessName">The process's name, <c>mpms-&lt;pool&gt;-p&lt;n&gt;</c>.</param>
/// <param name="ProcessId">The operating-system process id.</param>
/// <param name="Reason">Why it ended.</param>
/// <param name="ExitCode">Its exit code, when known.</param>
/// <param name="Signal">The signal that ended it, when one did.</param>
internal sealed record WorkerLoss(string ProcessName, int ProcessId, MpmsProcessExitReason Reason, int? ExitCode, int? Signal)
{
    /// <summary>Describes the exit in a few words, for logs.</summary>
    public string Describe() => SignalNames.DescribeExit(Reason, ExitCode, Signal);
}
