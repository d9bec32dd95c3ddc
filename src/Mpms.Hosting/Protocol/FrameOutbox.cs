using System.IO.Pipelines;
using System.Net.Sockets;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// The sending half of a link. Any thread posts frames; the posting thread writes at once (no hop to another thread,
/// which is most of a round trip's latency), and frames posted while a write is in flight join the next write. A
/// caller that produces bursts (jobs put one after another) may ask to coalesce: when a write ended moments ago the
/// next one is left to a thread-pool item, so the burst goes out in one write, not one per job.
/// </summary>
internal sealed class FrameOutbox(TimeProvider? time = null) : IDisposable
{
    // A write asked for sooner than this after the last one ended is part of a burst (a loop putting jobs), never a
    // request waiting for its answer: a round trip between processes takes longer than this.
    private static readonly TimeSpan Dense = TimeSpan.FromMicroseconds(15);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Frames are appended to _filling under the gate; the one writer swaps it with _sending and writes that outside it.
    private readonly List<(long Position, TaskCompletionSource Written)> _waiters = [];
    private FrameBuffer _filling = new();
    private FrameBuffer _sending = new();
    private PipeWriter? _output;

    // _writing: one thread owns the write loop. _completed: no frame is accepted any more.
    private bool _writing;
    private bool _completed;

    // Byte positions in the stream of frames: how far frames were appended, and how far they were handed to the output.
    private long _appended;
    private long _written;
    private long _lastWriteEnded;

    /// <summary>Gets a task that completes when the outbox is completed and everything posted is written, or faults when the output fails.</summary>
    public Task Completion => _drained.Task;

    /// <summary>Appends one frame and writes it out. After <see cref="Complete"/>, or once the output failed, frames are dropped.</summary>
    /// <returns><see langword="false"/> when the frame was dropped.</returns>
    public bool Post<TFrame>(in TFrame frame)
        where TFrame : IOutgoingFrame
    {
        if (!Enqueue(frame, out _))
        {
            return false;
        }

        Flush();
        return true;
    }

    /// <summary>Appends one frame without writing yet, so that a burst goes out in one write at the next <see cref="Flush"/>.</summary>
    /// <returns><see langword="false"/> when the frame was dropped.</returns>
    public bool Enqueue<TFrame>(in TFrame frame)
        where TFrame : IOutgoingFrame =>
        Enqueue(frame, out _);

    /// <summary>Appends one frame without writing yet, and tells where it ends in the stream, for <see cref="WaitWrittenAsync"/>.</summary>
    public bool Enqueue<TFrame>(in TFrame frame, out long end)
        where TFrame : IOutgoingFrame
    {
        lock (_gate)
        {
            if (_completed)
            {
                end = 0;
                return false;
            }

            int before = _filling.Length;
            frame.WriteTo(_filling);
            _appended += _filling.Length - before;
            end = _appended;
            return true;
        }
    }

    /// <summary>
    /// Completes when the stream up to <paramref name="position"/> has been handed to the output (or the link is gone):
    /// at once when this thread's own flush wrote it.
    /// </summary>
    public Task WaitWrittenAsync(long position)
    {
        lock (_gate)
        {
            if (_written >= position || (_completed && !_writing))
            {
                return Task.CompletedTask;
            }

            var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((position, written));
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
            if (_writing || _output is null || _filling.Length == 0)
            {
                return;
            }

            _writing = true;
            defer = coalesce && _time.GetElapsedTime(Volatile.Read(ref _lastWriteEnded)) < Dense;
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

    /// <summary>Starts writing to <paramref name="output"/>, beginning with what was posted before.</summary>
    public void Start(PipeWriter output)
    {
        lock (_gate)
        {
            _output = output;
            if (_writing || _filling.Length == 0)
            {
                return;
            }

            _writing = true;
        }

        _ = WriteAsync();
    }

    /// <summary>Stops accepting frames; <see cref="Completion"/> completes once what is pending is written.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            if (_writing)
            {
                return; // the write in flight finishes the job
            }

            if (_filling.Length > 0 && _output is not null)
            {
                _writing = true; // frames enqueued but never flushed: write them now, then drain
            }
            else
            {
                _drained.TrySetResult();
                return;
            }
        }

        _ = WriteAsync();
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

                // One span for the whole batch, so that a stream-backed output makes one write of it.
                ReadOnlySpan<byte> pending = _sending.WrittenMemory.Span;
                int length = pending.Length;
                pending.CopyTo(_output!.GetSpan(length));
                _output.Advance(length);

                // Never resume on the poster's context: a worker thread must not be asked to finish a write.
                FlushResult flushed = await _output.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    throw new IOException("The link's reader is gone.");
                }

                _sending.Reset();
                Volatile.Write(ref _lastWriteEnded, _time.GetTimestamp());
                ReleaseWaiters(length);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException or InvalidOperationException)
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

    private void ReleaseWaiters(long bytesWritten, bool all = false)
    {
        List<TaskCompletionSource>? released = null;
        lock (_gate)
        {
            _written += bytesWritten;
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (all || _waiters[i].Position <= _written)
                {
                    (released ??= []).Add(_waiters[i].Written);
                    _waiters.RemoveAt(i);
                }
            }
        }

        released?.ForEach(static written => written.TrySetResult());
    }
}
