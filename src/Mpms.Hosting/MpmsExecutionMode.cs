namespace Mpms.Hosting;

/// <summary>Where a pool runs its jobs (<see cref="MpmsOptions.ExecutionMode"/>).</summary>
public enum MpmsExecutionMode
{
    /// <summary>In worker processes that the pool starts and supervises: the production mode, with crash isolation.</summary>
    Processes,

    /// <summary>
    /// Inside the application's own process, for tests and debugging: the same supervision, worker threads, DI scopes,
    /// initializers, finalizers and outcomes, over in-memory links instead of child processes, so test overrides of
    /// services and breakpoints reach the jobs. There is no isolation: a job that exits or crashes ends the application.
    /// </summary>
    InProcess,
}
