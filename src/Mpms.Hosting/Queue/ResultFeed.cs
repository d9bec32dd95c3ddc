using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Mpms.Hosting.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Where a pool's outcomes go besides their handles: to its collectors, one at a time, or to the one reader of
/// <c>ReadResultsAsync</c>; never both. A job keeps its place in the queue until its outcome is consumed here, so a
/// slow consumer slows puts down; a collector's own puts never wait for that (see <see cref="IsCollecting"/>).
/// </summary>
internal sealed class ResultFeed<TJob, TResult>(string poolName, OutcomeLedger<TJob, TResult> ledger, bool hasCollector, ILogger logger)
{
    private static readonly AsyncLocal<bool> s_collecting = new();

    private int _readers;

    /// <summary>
    /// Gets a value indicating whether the calling code runs inside a collector. A put made there must not wait for room:
    /// the room it would wait for is held by outcomes that only this collector, once it returns, can free.
    /// </summary>
    public static bool IsCollecting => s_collecting.Value;

    /// <summary>Gives the outcomes to the one reader of the result stream.</summary>
    /// <exception cref="InvalidOperationException">A collector takes them, the stream is off, or it is read already.</exception>
    public IAsyncEnumerable<MpmsResult<TJob, TResult>> ReadAll(CancellationToken cancellationToken)
    {
        if (hasCollector)
        {
            throw new InvalidOperationException(
                $"Pool '{poolName}' has an IMpmsCollector<{typeof(TJob).Name}, {typeof(TResult).Name}> registered: outcomes go to the collector, so they cannot also be read with ReadResultsAsync. Use one or the other.");
        }

        ChannelReader<BufferedOutcome<TJob, TResult>> results = ledger.Results
            ?? throw new InvalidOperationException(
                $"Pool '{poolName}' does not buffer outcomes for ReadResultsAsync: set the option EnableResultStream to true (for example \"Mpms:EnableResultStream\": true).");
        if (Interlocked.Exchange(ref _readers, 1) != 0)
        {
            throw new InvalidOperationException($"The outcomes of pool '{poolName}' are already being read: ReadResultsAsync can be enumerated once.");
        }

        return ReadAllAsync(results, cancellationToken);
    }

    private async IAsyncEnumerable<MpmsResult<TJob, TResult>> ReadAllAsync(ChannelReader<BufferedOutcome<TJob, TResult>> results, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await results.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (results.TryRead(out BufferedOutcome<TJob, TResult> outcome))
            {
                ledger.OnRead(outcome);
                yield return outcome.Result;
            }
        }
    }

    /// <summary>Feeds outcomes to the collectors, one at a time, until the queue is drained or the token stops it.</summary>
    public async Task RunCollectorsAsync(IReadOnlyList<IMpmsCollector<TJob, TResult>> collectors, CancellationToken cancellationToken)
    {
        ChannelReader<BufferedOutcome<TJob, TResult>> reader = ledger.Results!;
        s_collecting.Value = true;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out BufferedOutcome<TJob, TResult> outcome))
            {
                MpmsResult<TJob, TResult> result = outcome.Result;
                foreach (IMpmsCollector<TJob, TResult> collector in collectors)
                {
                    try
                    {
                        await collector.CollectAsync(result, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        PoolLog.CollectorFailed(logger, poolName, result.JobId, collector.GetType().Name, ex);
                    }
                }

                ledger.OnCollected(outcome);
            }
        }
    }
}
