using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Tests.Unit.TestDoubles;

/// <summary>One log line kept by <see cref="RecordingLoggerProvider"/>.</summary>
internal sealed record RecordedLog(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

/// <summary>Keeps every log line so that a unit test can assert on what was logged (the unit tests keep their own doubles).</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<RecordedLog> _entries = new();

    public IReadOnlyList<RecordedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class RecordingLogger(RecordingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider._entries.Enqueue(new RecordedLog(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
