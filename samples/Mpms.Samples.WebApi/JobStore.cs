using System.Collections.Concurrent;
using Mpms.Hosting;

namespace Mpms.Samples.WebApi;

/// <summary>Keeps the handles of accepted jobs so that clients can poll them; the oldest go when there are too many.</summary>
public sealed class JobStore
{
    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, MpmsJobHandle<ChecksumResult>> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public void Add(MpmsJobHandle<ChecksumResult> handle)
    {
        _jobs[handle.JobId] = handle;
        _order.Enqueue(handle.JobId);
        while (_jobs.Count > Capacity && _order.TryDequeue(out string? oldest))
        {
            _jobs.TryRemove(oldest, out _);
        }
    }

    public MpmsJobHandle<ChecksumResult>? Find(string id) => _jobs.GetValueOrDefault(id);
}
