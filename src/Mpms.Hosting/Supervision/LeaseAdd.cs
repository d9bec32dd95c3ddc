namespace Mpms.Hosting.Supervision;

/// <summary>What became of a lease offered to a <see cref="LeaseLedger"/>.</summary>
internal enum LeaseAdd
{
    /// <summary>Added; its job frame is in the outbox.</summary>
    Added,

    /// <summary>The ledger is closed: the process takes no more jobs.</summary>
    Closed,

    /// <summary>
    /// The slot of the next ordinal still belongs to a job held ahead whose start is not known: nothing is sent until
    /// that job ends or is seen started (<see cref="LeaseLedger.NextSlotFree"/>).
    /// </summary>
    SlotTaken,
}
