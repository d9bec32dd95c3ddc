using System.Threading.Channels;
using Mpms.Hosting.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Where a pool's outcomes go besides their handles: to its collectors, one at a time, or to the one reader of
/// <c>ReadResultsAsync</c>; never both.
/// </summary>
internal sealed class ResultFeed<TJob, TResult>(string poolName, OutcomeLedger<TJob, TResult> ledger, bool hasCollector, ILogger logger)
{
    private int _readers;

    /// <summary>Gives the outcomes to the one reader of the result stream.</summary>
    /// <exception cref="InvalidOperationException">A collector takes them, the stream is off, or it is read already.</exception>
    public IAsyncEnumerable<MpmsResult<TJob, TResult>> ReadAll(CancellationToken cancellationToken)
    {
        if (hasCollector)
        {
            throw new InvalidOperationException(
                $"Pool '{poolName}' has an IMpmsCollector<{typeof(TJob).Name}, {typeof(TResult).Name}> registered: outcomes go to the collector, so they cannot also be read with ReadResultsAsync. Use one or the other.");
        }

        ChannelReader<MpmsResult<TJob, TResult>> results = ledger.Results
            ?? throw new InvalidOperationException(
                $"Pool '{poolName}' does not buffer outcomes for ReadResultsAsync: set the option EnableResultStream to true (for example \"Mpms:EnableResultStream\": true).");
        if (Interlocked.Exchange(ref _readers, 1) != 0)
        {
            throw new InvalidOperationException($"The outcomes of pool '{poolName}' are already being read: ReadResultsAsync can be enumerated once.");
        }

        return results.ReadAllAsync(cancellationToken);
    }

    /// <summary>Feeds outcomes to the collectors, one at a time, until the queue is drained or the token stops it.</summary>
    public async Task RunCollectorsAsync(IReadOnlyList<IMpmsCollector<TJob, TResult>> collectors, CancellationToken cancellationToken)
    {
        ChannelReader<MpmsResult<TJob, TResult>> reader = ledger.Results!;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out MpmsResult<TJob, TResult>? result))
            {
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

                ledger.OnCollected();
            }
        }
    }
}
