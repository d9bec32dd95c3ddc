namespace Mpms.Hosting.Queue;

/// <summary>An outcome waiting for its consumer, and the place in the queue its job holds until it is consumed.</summary>
internal readonly record struct BufferedOutcome<TJob, TResult>(MpmsResult<TJob, TResult> Result, PlaceKind HeldPlace);
