using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.RabbitMQ.Tests.SingleHost;

/// <summary>A logger provider that completes <see cref="Logged"/> the first time a line with one event id is written.</summary>
internal sealed class LogEventSignal(int watchedId) : ILoggerProvider, ILogger
{
    private readonly TaskCompletionSource _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets a task that completes once a line with the event id was written.</summary>
    public Task Logged => _logged.Task;

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == watchedId)
        {
            _logged.TrySetResult();
        }
    }

    public void Dispose()
    {
    }
}
