using Mpms.Hosting.Dispatch;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// Keeps prefetch from making a job wait behind a busy process while another process has an idle thread: such a job
/// is reclaimed from the process that holds it and sent to the idle one. What a link knows from its credit is enough:
/// a process asks for <c>live threads + Prefetch − held</c> jobs, so credit above the prefetch is idle threads, and
/// credit below it is jobs held that no thread has taken.
/// </summary>
/// <remarks>
/// One reclaim is in flight at a time, for the whole pool: a process answers it with the jobs it hands back and a
/// <c>Reclaimed</c> frame, and only then is the pool looked at again. Jobs handed back go straight to the idle process,
/// not through the queue, where the process that gave them back could lease them again. The worker only hands back a
/// job no thread has taken, so a job is never run twice.
/// </remarks>
internal sealed class WorkStealing(int prefetch)
{
    private readonly Lock _lock = new();

    // Replaced, never changed, under _lock: looked through without it on every change of credit.
    private volatile ProcessLink[] _links = [];

    // The process asked to hand jobs back, until it answers or its link ends.
    private ProcessLink? _reclaimingFrom;

    /// <summary>Gets a value indicating whether prefetch is on: without it no process holds a job it does not run.</summary>
    public bool Enabled => prefetch > 0;

    /// <summary>Counts a link that takes jobs.</summary>
    public void Add(ProcessLink link)
    {
        lock (_lock)
        {
            _links = [.. _links, link];
        }
    }

    /// <summary>Forgets a link that ended; a reclaim it never answered is over.</summary>
    public void Remove(ProcessLink link)
    {
        lock (_lock)
        {
            _links = [.. _links.Where(l => l != link)];
            if (_reclaimingFrom == link)
            {
                _reclaimingFrom = null;
            }
        }

        Rebalance();
    }

    /// <summary>Gets how many idle threads a link's credit shows.</summary>
    public int IdleThreads(ProcessLink link) => Math.Max(0, link.Credit - prefetch);

    /// <summary>Gets how many jobs a link's credit shows held that no thread has taken (never more than it holds).</summary>
    public int HeldAhead(ProcessLink link) => Math.Max(0, Math.Min(link.InFlight, prefetch - link.Credit));

    /// <summary>
    /// Looks for a process with an idle thread and another with jobs held ahead, and asks the second for as many jobs
    /// as the first can start. Called when a link's credit changes: cheap when there is nothing to do.
    /// </summary>
    public void Rebalance()
    {
        // The common case, a pool with no idle thread, costs a look at each link's credit and no lock.
        if (!Enabled || MostIdle(except: null).Link is null)
        {
            return;
        }

        ProcessLink? victim;
        int count;
        lock (_lock)
        {
            if (_reclaimingFrom is not null)
            {
                return;
            }

            (ProcessLink? thief, int idle) = MostIdle(except: null);
            (victim, int ahead) = MostAhead(except: thief);
            if (thief is null || victim is null)
            {
                return;
            }

            count = Math.Min(idle, ahead);
            _reclaimingFrom = victim;
        }

        victim.Reclaim(count);
    }

    /// <summary>
    /// Sends a job a process handed back to the process with the most idle threads, if one has any.
    /// </summary>
    /// <returns><see langword="false"/> when no other process can start it now: it goes back to the queue.</returns>
    public bool TryPlace(IJobLease lease, ProcessLink from)
    {
        if (!Enabled)
        {
            return false;
        }

        ProcessLink? thief = MostIdle(except: from).Link;
        return thief is not null && thief.TrySendNow(lease);
    }

    /// <summary>A process answered the reclaim it was asked: the pool may be balanced again.</summary>
    public void OnReclaimed(ProcessLink from)
    {
        lock (_lock)
        {
            if (_reclaimingFrom == from)
            {
                _reclaimingFrom = null;
            }
        }

        Rebalance();
    }

    private (ProcessLink? Link, int Idle) MostIdle(ProcessLink? except)
    {
        ProcessLink? best = null;
        int most = 0;
        foreach (ProcessLink link in _links)
        {
            int idle = IdleThreads(link);
            if (idle > most && link != except)
            {
                best = link;
                most = idle;
            }
        }

        return (best, most);
    }

    private (ProcessLink? Link, int Ahead) MostAhead(ProcessLink? except)
    {
        ProcessLink? best = null;
        int most = 0;
        foreach (ProcessLink link in _links)
        {
            int ahead = HeldAhead(link);
            if (ahead > most && link != except)
            {
                best = link;
                most = ahead;
            }
        }

        return (best, most);
    }
}
