using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Worker.Logging;

/// <summary>
/// The logger factory of a worker process: it wraps the application's own factory, asks it which levels are enabled
/// (so the application's logging configuration decides), and sends enabled events to the application once the link is
/// up, falling back to the application's own providers before that and after the link is gone.
/// </summary>
internal sealed class ForwardingLoggerFactory(ILoggerFactory inner, WorkerLogSink sink, bool ownsInner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new ForwardingLogger(categoryName, inner.CreateLogger(categoryName), sink);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        if (ownsInner)
        {
            inner.Dispose();
        }
    }

    private sealed class ForwardingLogger(string category, ILogger inner, WorkerLogSink sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            IDisposable? innerScope = inner.BeginScope(state);
            IDisposable forwardedScope = sink.Scopes.Push(state);
            return new Both(innerScope, forwardedScope);
        }

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            if (!sink.TrySend(category, logLevel, eventId, state, exception, formatter))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }

    private sealed class Both(IDisposable? first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            second.Dispose();
            first?.Dispose();
        }
    }
}
