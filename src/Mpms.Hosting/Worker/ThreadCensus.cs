using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Worker;

/// <summary>
/// Counts a worker process's threads in and out of its <see cref="CreditLedger"/>: a thread that becomes live asks for
/// its first job, and when the last thread has gone (every one reached its lifecycle limit) the process leaves.
/// </summary>
internal sealed class ThreadCensus(CreditLedger ledger, FrameOutbox outbox, LeaveCoordinator leave)
{
    /// <summary>Counts the threads about to run their initializers.</summary>
    public void ThreadsStarting(int count) => ledger.ThreadsStarting(count);

    /// <summary>A thread passed its initializers: ask for a job for it, now.</summary>
    public void OnThreadLive()
    {
        int grant = ledger.OnThreadLive();
        if (grant > 0)
        {
            outbox.Enqueue(SmallFrames.Credit(grant));
        }

        outbox.Flush();
    }

    /// <summary>A live thread left the count of live threads.</summary>
    public void OnThreadRetired()
    {
        if (ledger.OnThreadRetired())
        {
            LeaveAsLastThreadGone();
        }
    }

    /// <summary>A thread ended before it took any job: its initializer failed, or the process left first.</summary>
    public void OnThreadStartFailed()
    {
        if (ledger.OnThreadStartFailed())
        {
            LeaveAsLastThreadGone();
        }
    }

    // Every thread reached its lifecycle limit: the process leaves, and says so now so that its replacement starts at once.
    private void LeaveAsLastThreadGone() => leave.BeginLeaving(MpmsProcessExitReason.Recycled);
}
