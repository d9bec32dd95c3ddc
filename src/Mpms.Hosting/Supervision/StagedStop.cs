namespace Mpms.Hosting.Supervision;

/// <summary>
/// The stop of a pool's processes, in stages: each is asked to drain (its threads and the process run their
/// finalizers, then it exits) or, if it never connected, killed; at the deadline what is still there is killed, and its
/// jobs get the worker-lost outcome. It ends when every run has ended.
/// </summary>
internal static class StagedStop
{
    /// <param name="processes">The pool's processes when it stops.</param>
    /// <param name="runs">Every run not known to have ended, those of the processes above included.</param>
    /// <param name="deadline">Canceled when the drain has lasted long enough.</param>
    public static async Task RunAsync(IReadOnlyList<ProcessRunner> processes, IReadOnlyList<Task> runs, CancellationToken deadline)
    {
        foreach (ProcessRunner process in processes)
        {
            process.Shutdown();
        }

        Task allEnded = Task.WhenAll(runs);
        if (!await Waits.CompletesBeforeAsync(allEnded, deadline).ConfigureAwait(false))
        {
            foreach (ProcessRunner process in processes)
            {
                process.KillAtDeadline();
            }

            await allEnded.ConfigureAwait(false);
        }
    }
}
