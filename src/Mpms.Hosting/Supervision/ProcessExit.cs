namespace Mpms.Hosting.Supervision;

/// <summary>How a worker process ended, as far as the pool can tell.</summary>
internal sealed record ProcessExit(MpmsProcessExitReason Reason, int? ExitCode, int? Signal, bool WasStartFailure)
{
    public string Describe() => SignalNames.DescribeExit(Reason, ExitCode, Signal);
}
