using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// Spends the credit a worker process grants on jobs leased from the dispatcher. Credit is spent where it arrives (the
/// link's reader) on what is queued; what is left waits here, and when a job is put the pump resumes on the putting
/// thread and sends it there. Either way no thread hop is in between. Once the ledger is closed the credit is void.
/// </summary>
internal sealed class CreditPump : IDisposable
{
    private readonly IJobDispatcher _dispatcher;
    private readonly ILeaseHolder _holder;
    private readonly LeaseLedger _ledger;
    private readonly FrameOutbox _outbox;

    // Released when credit arrives and the pump may be waiting for it. Unbounded on purpose: two releases that race
    // only cost the pump one more look, and no release can fail.
    private readonly SemaphoreSlim _creditArrived = new(0);

    // Jobs the process may still be sent; only ever taken by TryReserveCredit, so it never goes below zero.
    private int _credit;

    // Told when the credit changed: credit arrived, or jobs were sent (see WorkStealing).
    private readonly Action _creditChanged;

    // Set while the process is a warm spare: its credit is kept, and no job is leased to it.
    private volatile bool _held;

    // Set while the next job's start-mark slot still belongs to a job held ahead whose start is not known (see
    // LeaseLedger): the credit is kept and nothing is leased until RetrySlot finds the slot free.
    private volatile bool _slotTaken;

    public CreditPump(IJobDispatcher dispatcher, ILeaseHolder holder, LeaseLedger ledger, FrameOutbox outbox, Action creditChanged)
    {
        _dispatcher = dispatcher;
        _holder = holder;
        _ledger = ledger;
        _outbox = outbox;
        _creditChanged = creditChanged;
    }

    /// <summary>Gets the credit not spent yet.</summary>
    public int Credit => Volatile.Read(ref _credit);

    /// <summary>Adds credit the process granted and spends it on what is queued, right here; the pump waits for the rest.</summary>
    public void Grant(int credit)
    {
        if (_ledger.IsClosed)
        {
            return;
        }

        Interlocked.Add(ref _credit, credit);
        if (!SendQueued())
        {
            _creditChanged();
        }

        if (Volatile.Read(ref _credit) > 0 && _creditArrived.CurrentCount == 0)
        {
            _creditArrived.Release();
        }
    }

    /// <summary>Keeps the credit and sends nothing until <see cref="Resume"/>: the process is a warm spare.</summary>
    public void Hold() => _held = true;

    /// <summary>Spends the credit kept while held, on what is queued now; the pump sends the rest as it comes.</summary>
    public void Resume()
    {
        _held = false;
        Grant(0);
    }

    /// <summary>Gets a value indicating whether sending waits for a start-mark slot (see <see cref="LeaseAdd.SlotTaken"/>).</summary>
    public bool WaitsForSlot => _slotTaken;

    /// <summary>Sends again once the slot that held sending up is free; called after each burst of frames read.</summary>
    public void RetrySlot()
    {
        if (_slotTaken && _ledger.NextSlotFree())
        {
            _slotTaken = false;
            Grant(0);
        }
    }

    /// <summary>Sends one leased job now, if the process has credit for it; the caller keeps the lease otherwise.</summary>
    /// <returns><see langword="false"/> when the process has no credit, or takes no more jobs: nothing was sent.</returns>
    public bool TrySendNow(IJobLease lease)
    {
        if (!TryReserveCredit())
        {
            return false;
        }

        switch (_ledger.TryAdd(lease, _outbox))
        {
            case LeaseAdd.Closed:
                return false; // the credit is void
            case LeaseAdd.SlotTaken:
                WaitForSlot();
                return false;
        }

        if (lease.CancelRequested)
        {
            _holder.Cancel(lease);
        }

        _outbox.Flush();
        return true;
    }

    /// <summary>Voids the credit: the ledger closed, and the process takes no more jobs.</summary>
    public void Void() => Interlocked.Exchange(ref _credit, 0);

    /// <summary>Sends jobs as they are put, while the process has credit, until the ledger closes or the pump is stopped.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            // A closed ledger takes nothing more: the pump ends (credit left over from a race with the drain is void).
            while (!_ledger.IsClosed)
            {
                if (!_held && !_slotTaken && Volatile.Read(ref _credit) > 0)
                {
                    if (!await _dispatcher.WaitForJobAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return; // no job will ever come
                    }

                    SendQueued();
                }
                else
                {
                    await _creditArrived.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public void Dispose() => _creditArrived.Dispose();

    /// <summary>Spends credit on queued jobs until one or the other runs out; one write carries the whole burst.</summary>
    /// <returns><see langword="true"/> when at least one job was sent (the credit changed, and whoever watches it was told).</returns>
    private bool SendQueued()
    {
        bool sent = false;
        while (TryReserveCredit())
        {
            if (!_dispatcher.TryLease(_holder, out IJobLease? lease))
            {
                Interlocked.Increment(ref _credit);
                break;
            }

            if (!Send(lease))
            {
                break; // the job went back to the queue: the ledger closed (the credit is void), or a slot holds sending up
            }

            sent = true;
        }

        // Jobs put one after another would each cost a write: a dense burst is coalesced into few.
        _outbox.Flush(coalesce: true);
        if (sent)
        {
            _creditChanged();
        }

        return sent;
    }

    /// <summary>Gives back the credit reserved for a job that could not be sent, and sends nothing until <see cref="RetrySlot"/>.</summary>
    private void WaitForSlot()
    {
        _slotTaken = true;
        Interlocked.Increment(ref _credit);
    }

    private bool TryReserveCredit()
    {
        if (_held || _slotTaken || _ledger.IsClosed)
        {
            return false;
        }

        int credit = Volatile.Read(ref _credit);
        while (credit > 0)
        {
            int seen = Interlocked.CompareExchange(ref _credit, credit - 1, credit);
            if (seen == credit)
            {
                return true;
            }

            credit = seen;
        }

        return false;
    }

    /// <summary>Appends a leased job to the outbox (the caller flushes); a job leased as the ledger closes goes back.</summary>
    /// <returns><see langword="true"/> when the job was sent.</returns>
    private bool Send(IJobLease lease)
    {
        LeaseAdd added = _ledger.TryAdd(lease, _outbox);
        if (added != LeaseAdd.Added)
        {
            if (added == LeaseAdd.SlotTaken)
            {
                WaitForSlot();
            }

            // Back to the queue outside the ledger's lock: putting it back may run another link's pump right here.
            lease.HandBack();
            return false;
        }

        // The caller may have canceled between the queue and here; the process answers a cancel for a job it has not
        // started with "canceled".
        if (lease.CancelRequested)
        {
            _holder.Cancel(lease);
        }

        return true;
    }
}
