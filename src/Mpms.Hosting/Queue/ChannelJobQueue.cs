using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Mpms.Hosting.Queue;

/// <summary>
/// The in-memory queue: an unbounded channel that many link pumps read; capacity is enforced at admission. A pump
/// waiting for a job resumes on the putting thread and writes the job to its socket there: no hop to the thread pool
/// between a put and the wire. (Nothing enqueues while holding a lock, so running a pump inline is safe.)
/// </summary>
internal sealed class ChannelJobQueue<T> : IJobQueue<T>
{
    private readonly Channel<T> _channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = true,
    });

    public int Count => _channel.Reader.Count;

    public void Enqueue(T item)
    {
        if (!_channel.Writer.TryWrite(item))
        {
            throw new InvalidOperationException("The job queue is closed.");
        }
    }

    public ValueTask<T> DequeueAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAsync(cancellationToken);

    public ValueTask<bool> WaitToDequeueAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    public bool TryDequeue([MaybeNullWhen(false)] out T item) => _channel.Reader.TryRead(out item);
}
