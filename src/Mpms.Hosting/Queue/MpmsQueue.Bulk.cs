using System.Diagnostics;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Queue;

/// <summary>Putting many jobs in one call (<c>RunManyAsync</c>): the checks made at the call, and the admission of a burst.</summary>
internal sealed partial class MpmsQueue<TJob, TResult>
{
    // The outcomes a bulk call may have admitted and not yet handed to its reader: enough for bursts to fill the links,
    // few enough that a reader that stops for a while holds little.
    private const int MinBulkWindow = 1024;

    public IAsyncEnumerable<MpmsResult<TJob, TResult>> RunManyAsync(IEnumerable<TJob> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        CheckBulk();
        return StartBulk(new SyncJobSource<TJob>(jobs), options: null, cancellationToken);
    }

    public IAsyncEnumerable<MpmsResult<TJob, TResult>> RunManyAsync(IEnumerable<TJob> jobs, MpmsPutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        CheckBulk();
        Check(options);
        return StartBulk(new SyncJobSource<TJob>(jobs), options, cancellationToken);
    }

    public IAsyncEnumerable<MpmsResult<TJob, TResult>> RunManyAsync(IAsyncEnumerable<TJob> jobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        CheckBulk();
        return StartBulk(jobs, options: null, cancellationToken);
    }

    /// <summary>Gets the queue's admission, for a bulk call's places.</summary>
    internal QueueGate Gate => _gate;

    /// <summary>Gets the queue's clock.</summary>
    internal TimeProvider Time => _time;

    internal byte[] SerializeJob(TJob job, out int length) => _serializer.Serialize(job, out length);

    /// <summary>
    /// Admits a burst of a bulk call's jobs under one lock, each holding a place of <paramref name="place"/>'s kind
    /// (taken by the caller, released here if the queue refuses them), and makes their entries in <paramref name="made"/>.
    /// </summary>
    internal void AdmitBurst(ReadOnlySpan<BulkItem<TJob>> items, Span<PendingJob<TJob, TResult>> made, PlaceKind place, MpmsPutOptions? options, BulkRun<TJob, TResult> run)
    {
        long first = _gate.AdmitMany(place, items.Length);
        DateTimeOffset now = _time.GetUtcNow();
        long high = JobIds.High(now, _instance);
        bool tracing = Activity.Current is not null || MpmsTelemetry.Tracing.HasListeners();
        for (int i = 0; i < items.Length; i++)
        {
            BulkItem<TJob> item = items[i];
            var pending = new PendingJob<TJob, TResult>(_jobs, item.Job, first + i, high, now, item.Payload, item.Length, place, options)
            {
                Run = run,
                RunSlot = item.Slot,
            };
            if (tracing)
            {
                pending.TraceParent = StartTrace(pending);
            }

            _telemetry.JobEnqueued(_poolTag);
            made[i] = pending;
        }
    }

    /// <summary>Queues an admitted burst with one wake-up of the links, or schedules each job for <paramref name="runAt"/>.</summary>
    internal void QueueBurst(ReadOnlySpan<PendingJob<TJob, TResult>> made, DateTimeOffset? runAt)
    {
        if (runAt is { } at)
        {
            foreach (PendingJob<TJob, TResult> job in made)
            {
                _jobs.Schedule(job, at);
            }
        }
        else
        {
            _jobs.EnqueueMany(made);
        }
    }

    /// <summary>Admits a job of a bulk call that cannot be serialised, holding no place: it is to fail at once (<see cref="FinishFailed"/>).</summary>
    internal PendingJob<TJob, TResult> AdmitFailed(TJob job, int slot, MpmsPutOptions? options, BulkRun<TJob, TResult> run)
    {
        long sequence = _gate.Admit(PlaceKind.None);
        DateTimeOffset now = _time.GetUtcNow();
        _telemetry.JobEnqueued(_poolTag);
        return new PendingJob<TJob, TResult>(_jobs, job, sequence, JobIds.High(now, _instance), now, payload: null, 0, PlaceKind.None, options)
        {
            Run = run,
            RunSlot = slot,
        };
    }

    internal void FinishFailed(PendingJob<TJob, TResult> job, MpmsSerializationException failure) =>
        _jobs.Finish(job, new Outcome<TResult>(MpmsJobStatus.Failed, default, failure));

    /// <summary>Refuses a bulk call the pool cannot take: through a broker, or when it accepts no jobs now.</summary>
    private void CheckBulk()
    {
        if (Forwarder is not null)
        {
            throw new NotSupportedException(
                $"Pool '{PoolName}' runs its jobs through a broker, which RunManyAsync does not go through: put each job with PutAsync or RunAsync.");
        }

        _gate.ThrowIfNotAccepting();
    }

    private IAsyncEnumerable<MpmsResult<TJob, TResult>> StartBulk(IAsyncEnumerable<TJob> jobs, MpmsPutOptions? options, CancellationToken cancellationToken) =>
        BulkRun<TJob, TResult>.RunAsync(this, jobs, options, Math.Max(MinBulkWindow, 2 * _gate.Places.Capacity), ResultFeed<TJob, TResult>.IsCollecting, cancellationToken);
}
