using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker.Logging;

/// <summary>
/// Where a worker process's log events go once its link is up: to the application, as log frames. Until then, and if
/// the application turned forwarding off, the worker's own logging providers write them.
/// </summary>
internal sealed class WorkerLogSink
{
    private volatile FrameOutbox? _outbox;
    private MpmsProcessContext? _process;

    /// <summary>Gets the scopes of every forwarding logger, so scope properties travel with the events.</summary>
    public LoggerExternalScopeProvider Scopes { get; } = new();

    public bool Forwarding => _outbox is not null;

    /// <summary>Starts forwarding through <paramref name="outbox"/>.</summary>
    public void Connect(FrameOutbox outbox, MpmsProcessContext process)
    {
        _process = process;
        _outbox = outbox;
    }

    /// <summary>Sends one event; returns false when the link can no longer take it.</summary>
    public bool TrySend<TState>(string category, LogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        FrameOutbox? outbox = _outbox;
        MpmsProcessContext? process = _process;
        if (outbox is null || process is null)
        {
            return false;
        }

        var properties = new List<KeyValuePair<string, object?>>();
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            properties.AddRange(values);
        }

        Scopes.ForEachScope(static (scope, list) =>
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> scopeValues)
            {
                foreach (KeyValuePair<string, object?> value in scopeValues)
                {
                    if (!list.Exists(p => p.Key == value.Key))
                    {
                        list.Add(value);
                    }
                }
            }
        }, properties);

        SetTag(properties, "Pool", process.PoolName);
        SetTag(properties, "ProcessName", process.ProcessName);
        SetTag(properties, "ProcessId", process.ProcessId);
        SetTag(properties, "ThreadName", Thread.CurrentThread.Name);

        var frame = new LogFrame(
            category,
            level,
            eventId.Id,
            eventId.Name,
            formatter(state, exception),
            exception is null ? null : WireError.From(exception),
            properties);
        return outbox.Post(frame);
    }

    private static void SetTag(List<KeyValuePair<string, object?>> properties, string key, object? value)
    {
        properties.RemoveAll(p => p.Key == key);
        properties.Add(new(key, value));
    }
}
