using System.Collections.Concurrent;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// The ids of jobs canceled by their callers that this host did not have when it was told: if one comes later, it
/// ends as canceled without running. Kept for an hour, and at most 100,000 of them, so the set cannot grow for ever.
/// </summary>
internal sealed class CanceledJobs
{
    private const int MaxCount = 100_000;
    private static readonly TimeSpan KeepFor = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, long> _ids = new(StringComparer.Ordinal);

    public void Add(string jobId, long now, TimeProvider time)
    {
        if (_ids.Count >= MaxCount)
        {
            foreach (KeyValuePair<string, long> entry in _ids)
            {
                if (time.GetElapsedTime(entry.Value) > KeepFor || _ids.Count >= MaxCount)
                {
                    _ids.TryRemove(entry);
                }
            }
        }

        _ids[jobId] = now;
    }

    public bool Contains(string jobId) => _ids.TryRemove(jobId, out _);
}
