using System.Collections;
using System.Collections.Concurrent;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// Writes the log events that worker processes forward into the application's own logging pipeline, under their
/// original category, level and event id, with their properties (the message template as <c>{OriginalFormat}</c>, so
/// structured sinks such as Serilog keep them) and the pool, process and thread tags.
/// </summary>
internal sealed class ForwardedLogWriter(ILoggerFactory loggerFactory)
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public void Write(LogFrame frame)
    {
        ILogger logger = _loggers.GetOrAdd(frame.Category, loggerFactory.CreateLogger);
        if (!logger.IsEnabled(frame.Level))
        {
            return;
        }

        Exception? exception = frame.Exception is { } error
            ? new MpmsWorkerException(error.Type, error.Message, error.StackTrace, error.Details)
            : null;
        logger.Log(frame.Level, new EventId(frame.EventId, frame.EventName), new ForwardedState(frame), exception, static (state, _) => state.Message);
    }

    private sealed class ForwardedState(LogFrame frame) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message => frame.Message;

        public int Count => frame.Properties.Count;

        public KeyValuePair<string, object?> this[int index] => frame.Properties[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => frame.Properties.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => frame.Message;
    }
}
