namespace Mpms.Hosting.Queue;

/// <summary>An outcome waiting for its consumer, and whether its job still holds a place in the queue until it is consumed.</summary>
internal readonly record struct BufferedOutcome<TJob, TResult>(MpmsResult<TJob, TResult> Result, bool HeldPlace);
