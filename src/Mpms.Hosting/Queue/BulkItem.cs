namespace Mpms.Hosting.Queue;

/// <summary>A job of a bulk call, serialised and given its slot in the call's window, waiting for its place in the queue.</summary>
internal readonly record struct BulkItem<TJob>(TJob Job, byte[] Payload, int Length, int Slot);
