using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Mpms.Hosting;

namespace Mpms.Samples.Advanced;

/// <summary>Where the database and the loopback endpoint are.</summary>
public sealed class DemoOptions
{
    public string Database { get; set; } = "";

    public string Endpoint { get; set; } = "";
}

/// <summary>A job: look item <see cref="Id"/> up in the database and call the endpoint.</summary>
public sealed record LookupJob(int Id) : IMpmsJob<LookupResult>;

/// <summary>What the job found, and which process, thread, connection and session served it.</summary>
public sealed record LookupResult(int Id, string Name, int ProcessId, string? Thread, string DbPool, string Connection, string Session, string ServerConnection);

/// <summary>What the loopback endpoint answers.</summary>
public sealed record SessionEcho(string Session, string Connection, int Requests);

/// <summary>
/// A per-process resource: a small pool of open SQLite connections, opened by the process initializer and closed by
/// the process finalizer. A singleton, so every thread of the process shares it.
/// </summary>
public sealed class DbPool(IOptions<DemoOptions> options, ILogger<DbPool> logger) : IProcessInitializer, IProcessFinalizer
{
    private readonly ConcurrentBag<(string Id, SqliteConnection Connection)> _idle = [];
    private readonly SemaphoreSlim _available = new(0);

    public string Id { get; } = Guid.NewGuid().ToString("N")[..8];

    public ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken)
    {
        for (int i = 1; i <= 2; i++)
        {
            var connection = new SqliteConnection($"Data Source={options.Value.Database};Mode=ReadOnly");
            connection.Open();
            _idle.Add(($"{context.ProcessName}/c{i}", connection));
            _available.Release();
        }

        logger.LogWarning("Database pool {DbPool} opened 2 connections in {ProcessName}", Id, context.ProcessName);
        return ValueTask.CompletedTask;
    }

    public async Task<(string Connection, string Name)> QueryAsync(int id, CancellationToken cancellationToken)
    {
        await _available.WaitAsync(cancellationToken);
        _idle.TryTake(out (string Id, SqliteConnection Connection) lease);
        try
        {
            using SqliteCommand command = lease.Connection.CreateCommand();
            command.CommandText = "SELECT name FROM items WHERE id = $id";
            command.Parameters.AddWithValue("$id", id);
            return (lease.Id, (string)(await command.ExecuteScalarAsync(cancellationToken))!);
        }
        finally
        {
            _idle.Add(lease);
            _available.Release();
        }
    }

    public ValueTask FinalizeAsync(MpmsProcessContext context, CancellationToken cancellationToken)
    {
        while (_idle.TryTake(out (string Id, SqliteConnection Connection) lease))
        {
            lease.Connection.Dispose();
        }

        logger.LogWarning("Database pool {DbPool} closed in {ProcessName}", Id, context.ProcessName);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A per-thread resource: one HttpClient (one session, kept-alive connection) per worker thread, created by the thread
/// initializer and disposed by the thread finalizer. Scoped, so each thread's scope has its own.
/// </summary>
public sealed class HttpSession(IOptions<DemoOptions> options, ILogger<HttpSession> logger) : IThreadInitializer, IThreadFinalizer
{
    private HttpClient? _client;

    public string Id { get; } = Guid.NewGuid().ToString("N");

    public HttpClient Client => _client ?? throw new InvalidOperationException("The thread initializer has not run.");

    public ValueTask InitializeAsync(MpmsThreadContext context, CancellationToken cancellationToken)
    {
        _client = new HttpClient { BaseAddress = new Uri(options.Value.Endpoint) };
        _client.DefaultRequestHeaders.Add("X-Session", Id);
        logger.LogWarning("HTTP session {Session} opened on {ThreadName}", Id[..8], context.ThreadName);
        return ValueTask.CompletedTask;
    }

    public ValueTask FinalizeAsync(MpmsThreadContext context, CancellationToken cancellationToken)
    {
        _client?.Dispose();
        logger.LogWarning("HTTP session {Session} closed on {ThreadName}", Id[..8], context.ThreadName);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The worker: a real query on the process's pool, a real request on the thread's session.</summary>
public sealed class LookupWorker(DbPool db, HttpSession session) : IMpmsWorker<LookupJob, LookupResult>
{
    public async ValueTask<LookupResult> ExecuteAsync(LookupJob job, MpmsJobContext context, CancellationToken cancellationToken)
    {
        (string connection, string name) = await db.QueryAsync(job.Id, cancellationToken);
        SessionEcho echo = (await session.Client.GetFromJsonAsync<SessionEcho>("/session", cancellationToken))!;
        return new LookupResult(job.Id, name, Environment.ProcessId, Thread.CurrentThread.Name, db.Id, connection, echo.Session, echo.Connection);
    }
}
