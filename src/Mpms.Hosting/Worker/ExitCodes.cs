namespace Mpms.Hosting.Worker;

/// <summary>The exit codes of a worker process; the supervisor reads the reason from the link, these are for humans and shells.</summary>
internal static class ExitCodes
{
    public const int Normal = 0;
    public const int ProcessInitializerFailed = 10;
    public const int AllThreadsFailed = 11;
    public const int GracefulDie = 12;
    public const int JobTimeout = 13;
    public const int LinkLost = 14;
    public const int HandshakeFailed = 15;
    public const int WorkerFailed = 16;
    public const int HostedServiceFailed = 17;

    /// <summary>Gets the exit code of a process that ran and then left for <paramref name="reason"/>.</summary>
    public static int ForLeaving(MpmsProcessExitReason reason) => reason switch
    {
        MpmsProcessExitReason.StartFailed => AllThreadsFailed,
        MpmsProcessExitReason.GracefulDie => GracefulDie,
        MpmsProcessExitReason.JobTimeout => JobTimeout,
        _ => Normal,
    };
}
