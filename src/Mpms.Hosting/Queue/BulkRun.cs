using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Mpms.Hosting.Queue;

/// <summary>
/// One bulk call (<c>RunManyAsync</c>): a pump reads the caller's jobs and admits them in bursts as the call's window and
/// the queue's places allow; each job's outcome goes straight to the call's channel (no handle task), and the caller
/// reads them in the order they complete. Canceling the call, or leaving the enumeration early, cancels every job it
/// admitted that has not finished, and admits no more.
/// </summary>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "Its one source has no timer; the pump may still read its token after the caller's enumeration ended.")]
internal sealed class BulkRun<TJob, TResult>
{
    // Jobs pulled from the source and admitted at a time: one sequence lock, one wake-up of the links, one write each.
    private const int MaxBurst = 256;

    private readonly MpmsQueue<TJob, TResult> _queue;
    private readonly MpmsPutOptions? _options;
    private readonly bool _holdsNoPlace;
    private readonly BulkWindow<TJob, TResult> _window;
    private readonly Channel<(MpmsResult<TJob, TResult>? Result, int Slot)> _outcomes =
        Channel.CreateUnbounded<(MpmsResult<TJob, TResult>? Result, int Slot)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly CancellationTokenSource _stop = new();
    private CancellationToken _canceledBy;
    private long _admitted;
    private int _admittedOfBurst; // the pump's own: how many of the burst in hand are admitted (their payloads are the jobs')
    private ExceptionDispatchInfo? _failure;

    private BulkRun(MpmsQueue<TJob, TResult> queue, int window, MpmsPutOptions? options, bool holdsNoPlace)
    {
        _queue = queue;
        _options = options;
        _holdsNoPlace = holdsNoPlace;
        _window = new BulkWindow<TJob, TResult>(window);
    }

    /// <summary>Runs <paramref name="jobs"/> and yields their outcomes as they complete; see <c>RunManyAsync</c>.</summary>
    public static async IAsyncEnumerable<MpmsResult<TJob, TResult>> RunAsync(
        MpmsQueue<TJob, TResult> queue, IAsyncEnumerable<TJob> jobs, MpmsPutOptions? options, int window, bool holdsNoPlace,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var run = new BulkRun<TJob, TResult>(queue, window, options, holdsNoPlace);
        using CancellationTokenRegistration onCancel = cancellationToken.UnsafeRegister(static (state, token) => ((BulkRun<TJob, TResult>)state!).Stop(token), run);

        // On the thread pool: the caller's source may block, and the caller's thread reads the outcomes.
        _ = Task.Run(() => run.PumpAsync(jobs), CancellationToken.None);
        ChannelReader<(MpmsResult<TJob, TResult>? Result, int Slot)> outcomes = run._outcomes.Reader;
        bool readAll = false;
        try
        {
            long read = 0;
            bool pumpEnded = false;
            while (!pumpEnded || read < Volatile.Read(ref run._admitted))
            {
                if (!outcomes.TryRead(out (MpmsResult<TJob, TResult>? Result, int Slot) outcome))
                {
                    // Not the caller's token: once canceled, the jobs' canceled outcomes are still to come.
                    await outcomes.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false);
                    continue;
                }

                if (outcome.Slot < 0)
                {
                    pumpEnded = true; // written after the last admission, so the count read next is final
                    continue;
                }

                run._window.Release(outcome.Slot);
                read++;
                yield return outcome.Result!;
            }

            readAll = true;
        }
        finally
        {
            if (!readAll)
            {
                // Left early: the jobs still out are canceled (each still gets its outcome in the pool), no more go in.
                run.Stop(CancellationToken.None);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        run._failure?.Throw();
    }

    /// <summary>Takes a job's outcome, on whichever thread decided it.</summary>
    public void OnOutcome(MpmsResult<TJob, TResult> result, int slot) => _outcomes.Writer.TryWrite((result, slot));

    /// <summary>Admits no more jobs and cancels every admitted job that has not finished, reporting <paramref name="token"/>.</summary>
    private void Stop(CancellationToken token)
    {
        _canceledBy = token;
        try
        {
            _stop.Cancel();
        }
        catch (AggregateException)
        {
            // Only the pump's own waits are registered on it, and they do not throw.
        }

        foreach (PendingJob<TJob, TResult> job in _window.Unfinished())
        {
            job.Cancel(token);
        }
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Whatever stops the pump is rethrown to the caller once the outcomes of the jobs it admitted are read.")]
    private async Task PumpAsync(IAsyncEnumerable<TJob> jobs)
    {
        CancellationToken stop = _stop.Token;
        var slots = new int[MaxBurst];
        var items = new BulkItem<TJob>[MaxBurst];
        var made = new PendingJob<TJob, TResult>[MaxBurst];
        int pulled = 0;
        try
        {
            IAsyncEnumerator<TJob> source = jobs.GetAsyncEnumerator(stop);
            await using (source.ConfigureAwait(false))
            {
                bool more = true;
                while (more && !stop.IsCancellationRequested)
                {
                    int room = await _window.TakeAsync(slots, stop).ConfigureAwait(false);
                    (pulled, _admittedOfBurst) = (0, 0);
                    int used = 0;
                    while (used < room && (more = await source.MoveNextAsync().ConfigureAwait(false)))
                    {
                        TJob job = source.Current;
                        if (job is null)
                        {
                            throw new ArgumentNullException(nameof(jobs), "A job given to RunManyAsync is null.");
                        }

                        int slot = slots[used++];
                        if (TrySerialize(job, out byte[]? payload, out int length, out MpmsSerializationException? failure))
                        {
                            items[pulled++] = new BulkItem<TJob>(job, payload, length, slot);
                        }
                        else
                        {
                            FailAtOnce(job, slot, failure);
                        }
                    }

                    for (int i = used; i < room; i++)
                    {
                        _window.Release(slots[i]);
                    }

                    await AdmitAsync(items, pulled, made, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _failure = ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            for (int i = _admittedOfBurst; i < pulled; i++)
            {
                JobSerializer<TJob>.Return(items[i].Payload);
            }

            _outcomes.Writer.TryWrite((null, -1));
        }
    }

    /// <summary>Admits the first <paramref name="count"/> items, as many at a time as there are places, counting them in <see cref="_admittedOfBurst"/>.</summary>
    private async ValueTask AdmitAsync(BulkItem<TJob>[] items, int count, PendingJob<TJob, TResult>[] made, CancellationToken stop)
    {
        while (_admittedOfBurst < count && !stop.IsCancellationRequested)
        {
            DateTimeOffset? runAt = _options?.RunAt(_queue.Time.GetUtcNow());
            PlaceKind place = _holdsNoPlace ? PlaceKind.None : runAt is null ? PlaceKind.Queue : PlaceKind.Schedule;
            int wanted = count - _admittedOfBurst;
            int taken = _queue.Gate.Places.TryTakeMany(place, wanted);
            if (taken == 0)
            {
                await _queue.Gate.TakePlaceAsync(place, stop).ConfigureAwait(false);
                taken = 1 + _queue.Gate.Places.TryTakeMany(place, wanted - 1);
            }

            Span<PendingJob<TJob, TResult>> burst = made.AsSpan(0, taken);
            _queue.AdmitBurst(items.AsSpan(_admittedOfBurst, taken), burst, place, _options, this);
            _window.Register(burst);
            _queue.QueueBurst(burst, runAt);
            _admittedOfBurst += taken;
            Interlocked.Add(ref _admitted, taken);

            // Stop snapshots the window after it cancels the token: jobs registered after that are canceled here.
            if (stop.IsCancellationRequested)
            {
                foreach (PendingJob<TJob, TResult> job in burst)
                {
                    job.Cancel(_canceledBy);
                }
            }

            burst.Clear();
        }
    }

    private bool TrySerialize(TJob job, [NotNullWhen(true)] out byte[]? payload, out int length, [NotNullWhen(false)] out MpmsSerializationException? failure)
    {
        try
        {
            payload = _queue.SerializeJob(job, out length);
            failure = null;
            return true;
        }
        catch (MpmsSerializationException ex)
        {
            (payload, length, failure) = (null, 0, ex);
            return false;
        }
    }

    /// <summary>A job that cannot be serialised is admitted and fails at once: it gets its own failed outcome, like any other.</summary>
    private void FailAtOnce(TJob job, int slot, MpmsSerializationException failure)
    {
        PendingJob<TJob, TResult> pending = _queue.AdmitFailed(job, slot, _options, this);
        _window.Register([pending]);
        Interlocked.Increment(ref _admitted);
        _queue.FinishFailed(pending, failure);
    }
}
