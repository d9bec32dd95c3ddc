using System.Buffers;
using System.Net.Sockets;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// The sending half of a link. Any thread posts frames; the posting thread writes at once (no hop to another thread,
/// which is most of a round trip's latency), and frames posted while a write is in flight join the next write. A
/// caller that produces bursts (jobs put one after another) may ask to coalesce: when a write ended moments ago the
/// next one is left to a thread-pool item, so the burst goes out in one system call, not one per job.
/// </summary>
internal sealed class FrameOutbox : IDisposable
{
    // A write asked for sooner than this after the last one ended is part of a burst (a loop putting jobs), never a
    // request waiting for its answer: a round trip between processes takes longer than this.
    private static readonly long DenseTicks = System.Diagnostics.Stopwatch.Frequency / 66_000; // 15 µs

    private readonly object _gate = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FrameBuffer _filling = new();
    private FrameBuffer _sending = new();
    private readonly List<(long Frame, TaskCompletionSource Written)> _waiters = [];
    private Socket? _socket;
    private bool _writing;
    private bool _completed;
    private long _enqueued;
    private long _written;
    private long _lastWriteEnded;

    /// <summary>Gets a task that completes when the outbox is completed and everything posted is written, or faults when the socket fails.</summary>
    public Task Completion => _drained.Task;

    /// <summary>Appends one frame and writes it out. After <see cref="Complete"/>, or once the socket failed, frames are dropped.</summary>
    /// <returns><see langword="false"/> when the frame was dropped.</returns>
    public bool Post<TState>(FrameType type, int bodyLength, TState state, SpanAction<byte, TState> writeBody)
    {
        if (!Enqueue(type, bodyLength, state, writeBody))
        {
            return false;
        }

        Flush();
        return true;
    }

    /// <summary>Appends one frame without writing yet, so that a burst goes out in one write at the next <see cref="Flush"/>.</summary>
    /// <returns><see langword="false"/> when the frame was dropped.</returns>
    public bool Enqueue<TState>(FrameType type, int bodyLength, TState state, SpanAction<byte, TState> writeBody) =>
        Enqueue(type, bodyLength, state, writeBody, out _);

    /// <summary>Appends one frame without writing yet, and tells its number, for <see cref="WaitWrittenAsync"/>.</summary>
    public bool Enqueue<TState>(FrameType type, int bodyLength, TState state, SpanAction<byte, TState> writeBody, out long frame)
    {
        lock (_gate)
        {
            if (_completed)
            {
                frame = 0;
                return false;
            }

            writeBody(_filling.Append(type, bodyLength), state);
            frame = ++_enqueued;
            return true;
        }
    }

    /// <summary>
    /// Completes when frame number <paramref name="frame"/> has been handed to the socket (or the link is gone):
    /// at once when this thread's own flush wrote it.
    /// </summary>
    public Task WaitWrittenAsync(long frame)
    {
        lock (_gate)
        {
            if (_written >= frame || (_completed && !_writing))
            {
                return Task.CompletedTask;
            }

            var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((frame, written));
            return written.Task;
        }
    }

    /// <summary>
    /// Writes what is pending on this thread, unless a write is already in flight (which will take it). With
    /// <paramref name="coalesce"/>, when the last write ended moments ago, the write is left to the thread pool instead,
    /// so that frames still being produced join it.
    /// </summary>
    public void Flush(bool coalesce = false)
    {
        bool defer;
        lock (_gate)
        {
            if (_writing || _socket is null || _filling.Length == 0)
            {
                return;
            }

            _writing = true;
            defer = coalesce && System.Diagnostics.Stopwatch.GetTimestamp() - Volatile.Read(ref _lastWriteEnded) < DenseTicks;
        }

        if (defer)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static outbox => _ = outbox.WriteAsync(), this, preferLocal: false);
        }
        else
        {
            _ = WriteAsync();
        }
    }

    /// <summary>Appends a frame with no body.</summary>
    public bool Post(FrameType type) => Post(type, 0, 0, static (_, _) => { });

    /// <summary>Starts writing to <paramref name="socket"/>, beginning with what was posted before.</summary>
    public void Start(Socket socket)
    {
        lock (_gate)
        {
            _socket = socket;
            if (_writing || _filling.Length == 0)
            {
                return;
            }

            _writing = true;
        }

        _ = WriteAsync();
    }

    /// <summary>Writes to <paramref name="socket"/> until <see cref="Complete"/> and everything is written.</summary>
    public Task RunAsync(Socket socket, CancellationToken cancellationToken)
    {
        Start(socket);
        return Completion.WaitAsync(cancellationToken);
    }

    /// <summary>Stops accepting frames; <see cref="Completion"/> completes once what is pending is written.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            if (_writing || (_filling.Length > 0 && _socket is not null))
            {
                return; // the write in flight finishes the job
            }
        }

        _drained.TrySetResult();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _completed = true;
            if (!_writing)
            {
                _filling.Dispose();
                _sending.Dispose();
            }
        }

        _drained.TrySetResult();
    }

    private async Task WriteAsync()
    {
        try
        {
            while (true)
            {
                lock (_gate)
                {
                    if (_filling.Length == 0)
                    {
                        _writing = false;
                        if (_completed)
                        {
                            _drained.TrySetResult();
                        }

                        return;
                    }

                    (_filling, _sending) = (_sending, _filling);
                }

                ReadOnlyMemory<byte> pending = _sending.WrittenMemory;
                while (!pending.IsEmpty)
                {
                    // Never resume on the poster's context: a worker thread must not be asked to finish a write.
                    int sent = await _socket!.SendAsync(pending, SocketFlags.None).ConfigureAwait(false);
                    pending = pending[sent..];
                }

                int frames = _sending.FrameCount;
                _sending.Reset();
                Volatile.Write(ref _lastWriteEnded, System.Diagnostics.Stopwatch.GetTimestamp());
                ReleaseWaiters(frames);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            lock (_gate)
            {
                _completed = true;
                _writing = false;
            }

            _drained.TrySetException(ex);
            ReleaseWaiters(0, all: true);
        }
    }

    private void ReleaseWaiters(int framesWritten, bool all = false)
    {
        List<TaskCompletionSource>? released = null;
        lock (_gate)
        {
            _written += framesWritten;
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (all || _waiters[i].Frame <= _written)
                {
                    (released ??= []).Add(_waiters[i].Written);
                    _waiters.RemoveAt(i);
                }
            }
        }

        released?.ForEach(static written => written.TrySetResult());
    }
}
