using System.Buffers;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>
/// An <see cref="IFrameHandler"/> that keeps a copy of every frame it is handed (the body is only valid during the call),
/// and lets a test wait until a number of frames has arrived.
/// </summary>
internal sealed class FrameRecorder : IFrameHandler
{
    private readonly Lock _gate = new();
    private readonly List<(FrameType Type, byte[] Body)> _frames = [];
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];

    /// <summary>Gets a copy of the frames received so far, in the order they arrived.</summary>
    public IReadOnlyList<(FrameType Type, byte[] Body)> Frames
    {
        get
        {
            lock (_gate)
            {
                return [.. _frames];
            }
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> frames have arrived (bounded by <see cref="Wire.HangGuard"/>).</summary>
    public Task WaitForAsync(int count)
    {
        lock (_gate)
        {
            if (_frames.Count >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task.WaitAsync(Wire.HangGuard);
        }
    }

    public void OnFrame(FrameType type, in ReadOnlySequence<byte> body)
    {
        List<TaskCompletionSource>? reached = null;
        lock (_gate)
        {
            _frames.Add((type, body.ToArray()));
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Count <= _frames.Count)
                {
                    (reached ??= []).Add(_waiters[i].Reached);
                    _waiters.RemoveAt(i);
                }
            }
        }

        reached?.ForEach(static r => r.TrySetResult());
    }
}
