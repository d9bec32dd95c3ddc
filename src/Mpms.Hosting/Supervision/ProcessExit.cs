namespace Mpms.Hosting.Supervision;

/// <summary>How a worker process ended, as far as the pool can tell.</summary>
internal sealed record ProcessExit(MpmsProcessExitReason Reason, int? ExitCode, int? Signal, bool WasStartFailure)
{
    public string Describe() => Signal is int signal
        ? $"{Reason}, signal {signal} ({SignalNames.Get(signal)})"
        : ExitCode is int code ? $"{Reason}, exit code {code}" : Reason.ToString();
}
