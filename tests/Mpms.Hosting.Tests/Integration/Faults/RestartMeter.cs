using System.Diagnostics.Metrics;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>
/// Listens to the library's <c>mpms.process.restarts</c> counter for the test pool and adds up its measurements by
/// their <c>mpms.process.exit_reason</c> tag, so a test can check that a metric names the same reason as the outcome.
/// </summary>
internal sealed class RestartMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _byReason = new(StringComparer.Ordinal);

    public RestartMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Mpms.Hosting" && instrument.Name == "mpms.process.restarts")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? pool = null;
            string? reason = null;
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "mpms.pool")
                {
                    pool = tag.Value as string;
                }
                else if (tag.Key == "mpms.process.exit_reason")
                {
                    reason = tag.Value as string;
                }
            }

            if (pool == nameof(TestWorker.TestWorker) && reason is not null)
            {
                lock (_byReason)
                {
                    _byReason[reason] = _byReason.GetValueOrDefault(reason) + value;
                }
            }
        });
        _listener.Start();
    }

    /// <summary>Gets the restarts counted so far, by reason tag.</summary>
    public IReadOnlyDictionary<string, long> ByReason
    {
        get
        {
            lock (_byReason)
            {
                return new Dictionary<string, long>(_byReason, StringComparer.Ordinal);
            }
        }
    }

    public long this[string reason] => ByReason.GetValueOrDefault(reason);

    public void Dispose() => _listener.Dispose();
}
