using System.Buffers;
using System.Runtime.CompilerServices;

namespace Mpms.Hosting;

/// <summary>
/// The progress of one job as the application sees it: the latest value a worker sent (its bytes, read as whatever type
/// a reader asks for), a version that grows with each value, and whether the job has ended. Made on the first value or
/// the first reader, whichever comes first, so a job nobody follows costs nothing.
/// </summary>
/// <remarks>
/// Latest-value semantics: a reader never queues values; each time it looks it takes the newest one it has not seen, so
/// a slow reader skips what it missed and a reader that comes late starts with the latest value.
/// </remarks>
internal sealed class JobProgress(string jobId, IMpmsSerializer serializer)
{
    private readonly Lock _lock = new();

    // The latest value, replaced (never changed) on each one: readers deserialise it outside the lock.
    private byte[]? _latest;

    // 0 before any value; one more with each value. A reader remembers the version it has seen.
    private long _version;
    private bool _ended;

    // Completed and cleared on the next change; made only when a reader has to wait.
    private TaskCompletionSource? _changed;

    /// <summary>Keeps <paramref name="value"/> as the latest progress and wakes the readers waiting for one; nothing once ended.</summary>
    public void Publish(in ReadOnlySequence<byte> value)
    {
        byte[] copy = value.ToArray();
        TaskCompletionSource? changed;
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _latest = copy;
            _version++;
            changed = _changed;
            _changed = null;
        }

        changed?.TrySetResult();
    }

    /// <summary>The job ended: readers take the latest value they have not seen, then their stream ends.</summary>
    public void End()
    {
        TaskCompletionSource? changed;
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            changed = _changed;
            _changed = null;
        }

        changed?.TrySetResult();
    }

    /// <summary>Yields the newest value each time one newer than the last yielded is there, until the job ends.</summary>
    /// <exception cref="MpmsSerializationException">A value cannot be read as <typeparamref name="TProgress"/>.</exception>
    public async IAsyncEnumerable<TProgress> ReadAsync<TProgress>([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long seen = 0;
        while (true)
        {
            // Checked before each value too: a reader that stopped must not be handed one that was already there.
            cancellationToken.ThrowIfCancellationRequested();
            byte[]? value;
            Task? changed = null;
            lock (_lock)
            {
                value = _version > seen ? _latest : null;
                seen = _version;
                if (value is null && !_ended)
                {
                    changed = (_changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
            }

            if (value is not null)
            {
                yield return Deserialize<TProgress>(value);
            }
            else if (changed is null)
            {
                yield break;
            }
            else
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Reports each value <see cref="ReadAsync{TProgress}"/> yields to <paramref name="progress"/>, on the thread pool,
    /// until the job ends or the returned subscription is disposed.
    /// </summary>
    /// <param name="progress">Where values go.</param>
    /// <param name="onFailed">Told when <paramref name="progress"/> throws, or a value cannot be read: the subscription ends.</param>
    public IDisposable Subscribe<TProgress>(IProgress<TProgress> progress, Action<Exception> onFailed)
    {
        var subscription = new CancellationTokenSource();

        // On the thread pool, never inline nor on the caller's context: the first value may be there already.
        _ = Task.Run(() => PumpAsync(progress, onFailed, subscription.Token), CancellationToken.None);
        return new Subscription(subscription);
    }

    private async Task PumpAsync<TProgress>(IProgress<TProgress> progress, Action<Exception> onFailed, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (TProgress value in ReadAsync<TProgress>(cancellationToken).ConfigureAwait(false))
            {
                progress.Report(value);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            onFailed(ex);
        }
    }

    private TProgress Deserialize<TProgress>(byte[] value)
    {
        try
        {
            return serializer.Deserialize<TProgress>(value);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new MpmsSerializationException($"The progress of job {jobId} cannot be read as '{typeof(TProgress).FullName}': {ex.Message}", ex);
        }
    }

    /// <summary>Ends a subscription when disposed, once.</summary>
    private sealed class Subscription(CancellationTokenSource source) : IDisposable
    {
        private CancellationTokenSource? _source = source;

        public void Dispose()
        {
            CancellationTokenSource? source = Interlocked.Exchange(ref _source, null);
            if (source is not null)
            {
                source.Cancel();
                source.Dispose();
            }
        }
    }
}
