using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Tests.Infrastructure;

/// <summary>One log line as a test sees it.</summary>
public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception, IReadOnlyList<KeyValuePair<string, object?>> State)
{
    /// <summary>The value of one structured field of the line (a placeholder such as <c>ProcessName</c>), or null.</summary>
    public object? Value(string key) => State.FirstOrDefault(kv => kv.Key == key).Value;
}

/// <summary>A logger provider that keeps every line, so tests can assert on what was logged.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public event Action<LogEntry>? Logged;

    public ILogger CreateLogger(string categoryName) => new ListLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        _entries.Enqueue(entry);
        Logged?.Invoke(entry);
    }

    private sealed class ListLogger(ListLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            IReadOnlyList<KeyValuePair<string, object?>> values = state as IReadOnlyList<KeyValuePair<string, object?>> ?? [];
            provider.Add(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception, values));
        }
    }
}
