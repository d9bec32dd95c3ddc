using System.Buffers;
using System.Net.Sockets;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// The sending half of a link. Any thread posts frames; one sender loop writes them to the socket. Frames posted
/// while a write is in flight are coalesced into the next write, so a burst of jobs or results costs one system
/// call, not one each.
/// </summary>
internal sealed class FrameOutbox : IDisposable
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private FrameBuffer _filling = new();
    private FrameBuffer _sending = new();
    private bool _senderWaiting;
    private bool _completed;

    /// <summary>Appends one frame. After <see cref="Complete"/>, or once the socket failed, frames are dropped.</summary>
    /// <returns><see langword="false"/> when the frame was dropped.</returns>
    public bool Post<TState>(FrameType type, int bodyLength, TState state, SpanAction<byte, TState> writeBody)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return false;
            }

            writeBody(_filling.Append(type, bodyLength), state);
            WakeSender();
            return true;
        }
    }

    /// <summary>Appends a frame with no body.</summary>
    public bool Post(FrameType type) => Post(type, 0, 0, static (_, _) => { });

    /// <summary>Stops accepting frames; the sender loop writes what is pending and ends.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            WakeSender();
        }
    }

    /// <summary>Writes posted frames to <paramref name="socket"/> until <see cref="Complete"/> and everything is sent.</summary>
    public async Task RunAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                bool wait;
                lock (_gate)
                {
                    if (_filling.Length > 0)
                    {
                        (_filling, _sending) = (_sending, _filling);
                        wait = false;
                    }
                    else if (_completed)
                    {
                        return;
                    }
                    else
                    {
                        _senderWaiting = true;
                        wait = true;
                    }
                }

                if (wait)
                {
                    await _wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                ReadOnlyMemory<byte> pending = _sending.WrittenMemory;
                while (!pending.IsEmpty)
                {
                    int sent = await socket.SendAsync(pending, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    pending = pending[sent..];
                }

                _sending.Reset();
            }
        }
        finally
        {
            lock (_gate)
            {
                _completed = true;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _completed = true;
            _filling.Dispose();
            _sending.Dispose();
        }

        _wake.Dispose();
    }

    private void WakeSender()
    {
        if (_senderWaiting)
        {
            _senderWaiting = false;
            _wake.Release();
        }
    }
}
