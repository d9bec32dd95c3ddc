namespace Mpms.Hosting;

/// <summary>Why a worker process ended: tags worker-lost outcomes, restart logs and metrics.</summary>
public enum MpmsProcessExitReason
{
    /// <summary>The process exited by itself with an exit code that the pool did not ask for.</summary>
    Exited,

    /// <summary>The process was ended by a signal nobody in the pool sent (for example SIGKILL from outside, or SIGSEGV).</summary>
    Signaled,

    /// <summary>The process's initializers failed, or all of its threads' initializers failed.</summary>
    StartFailed,

    /// <summary>The process reached a lifecycle limit (every thread reached <see cref="MpmsOptions.MaxJobsPerThread"/> or <see cref="MpmsOptions.ThreadLifetime"/>, or <see cref="MpmsOptions.ProcessLifetime"/> passed).</summary>
    Recycled,

    /// <summary>A worker threw a graceful-die exception and the process left as asked.</summary>
    GracefulDie,

    /// <summary>A job overran <see cref="MpmsOptions.JobTimeout"/> and ignored its token, so the process was recycled.</summary>
    JobTimeout,

    /// <summary>The process stopped sending heartbeats for <see cref="MpmsOptions.HeartbeatTimeout"/> and was killed.</summary>
    HeartbeatTimeout,

    /// <summary>The process's working set passed <see cref="MpmsOptions.MaxMemoryPerProcess"/> after a job, so it was drained and replaced.</summary>
    MemoryLimit,

    /// <summary>The process broke the protocol or closed its connection to the application.</summary>
    LinkLost,

    /// <summary>The process outlived a drain or shutdown deadline and was killed.</summary>
    Killed,

    /// <summary>The pool stopped with the host.</summary>
    Shutdown,

    /// <summary>The process received SIGTERM and drained itself (for example systemd stopping its whole control group).</summary>
    Terminated,
}
