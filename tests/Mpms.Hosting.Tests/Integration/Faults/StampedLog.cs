using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Tests.Integration.Faults;

/// <summary>One log line with the <see cref="Stopwatch"/> timestamp of the moment it was logged.</summary>
internal sealed record StampedEntry(long Timestamp, string? EventName, IReadOnlyList<KeyValuePair<string, object?>> State)
{
    public object? Value(string key) => State.FirstOrDefault(kv => kv.Key == key).Value;
}

/// <summary>
/// A logger provider that notes when each line of the supervisor was logged, so that a test can check the gaps the
/// back-off leaves between a failed start and the next one. Lines are stamped in the logging call itself.
/// </summary>
internal sealed class StampedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<StampedEntry> _entries = new();

    public IReadOnlyList<StampedEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(StampedLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category == "Mpms.Hosting.Supervisor";

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (category == "Mpms.Hosting.Supervisor")
            {
                long now = Stopwatch.GetTimestamp();
                owner._entries.Enqueue(new StampedEntry(now, eventId.Name, state as IReadOnlyList<KeyValuePair<string, object?>> ?? []));
            }
        }
    }
}
