namespace Mpms.Hosting;

/// <summary>Names of the POSIX signals that end processes, and how a process ended, for messages.</summary>
internal static class SignalNames
{
    /// <summary>Describes a process's end in a few words: <c>Killed, signal 9 (SIGKILL)</c>, <c>Exited, exit code 3</c>.</summary>
    public static string DescribeExit(MpmsProcessExitReason reason, int? exitCode, int? signal) => signal is int s
        ? $"{reason}, signal {s} ({Get(s)})"
        : exitCode is int code ? $"{reason}, exit code {code}" : reason.ToString();

    public static string Get(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => $"signal {signal}",
    };
}
