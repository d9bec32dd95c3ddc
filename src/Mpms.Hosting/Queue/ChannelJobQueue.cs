using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Mpms.Hosting.Queue;

/// <summary>The in-memory queue: an unbounded channel that many link pumps read; capacity is enforced at admission.</summary>
internal sealed class ChannelJobQueue<T> : IJobQueue<T>
{
    private readonly Channel<T> _channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
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

    public bool TryDequeue([MaybeNullWhen(false)] out T item) => _channel.Reader.TryRead(out item);
}
