namespace Mpms.Hosting.Queue;

/// <summary>What becomes of a job whose worker process died while it held the job.</summary>
internal enum LostJobFate
{
    /// <summary>It never started there: it goes back to the queue, same attempt.</summary>
    HandBack,

    /// <summary>It may have run: it runs again as a new attempt (<see cref="MpmsWorkerLostPolicy.Retry"/>).</summary>
    Retry,

    /// <summary>It may have run: it ends as <see cref="MpmsJobStatus.WorkerLost"/>.</summary>
    Lost,
}

/// <summary>
/// The pool's rule for jobs of a process that died (<see cref="MpmsOptions.OnWorkerLost"/>,
/// <see cref="MpmsOptions.MaxAttempts"/>). With <see cref="MpmsOptions.Prefetch"/> a process says when it starts a job
/// it held, so one that never started was not lost: it only waited.
/// </summary>
internal sealed class WorkerLostPolicy(MpmsOptions options)
{
    public LostJobFate Decide(bool startedKnown, int attempt, bool cancelRequested)
    {
        if (options.EffectivePrefetch > 0 && !startedKnown)
        {
            return LostJobFate.HandBack;
        }

        return options.OnWorkerLost == MpmsWorkerLostPolicy.Retry && attempt < options.MaxAttempts && !cancelRequested
            ? LostJobFate.Retry
            : LostJobFate.Lost;
    }
}
