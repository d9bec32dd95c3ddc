using System.Diagnostics.CodeAnalysis;

namespace Mpms.Hosting.Queue;

/// <summary>
/// The queue between the application and the supervisor. The in-memory channel is the one implementation today;
/// this seam is where a broker-backed queue (several machines feeding and draining one queue) would plug in without
/// touching the supervisor or the worker runtime.
/// </summary>
/// <typeparam name="T">The queued item.</typeparam>
internal interface IJobQueue<T>
{
    /// <summary>Gets the number of items waiting.</summary>
    int Count { get; }

    /// <summary>Adds an item; never waits (admission control happens before).</summary>
    void Enqueue(T item);

    /// <summary>Takes the next item, waiting until there is one.</summary>
    ValueTask<T> DequeueAsync(CancellationToken cancellationToken);

    /// <summary>Waits until an item may be there to take (another reader may take it first).</summary>
    ValueTask<bool> WaitToDequeueAsync(CancellationToken cancellationToken);

    /// <summary>Takes the next item if there is one now.</summary>
    bool TryDequeue([MaybeNullWhen(false)] out T item);
}
