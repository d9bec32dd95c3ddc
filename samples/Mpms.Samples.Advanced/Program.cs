// The seed's advanced demo, for real: a process initializer opens a SQLite database as a per-process connection
// pool, a thread initializer creates one HttpClient per thread against a loopback endpoint this app hosts, and
// finalizers close both. Each job does a real query and a real request and reports which connection and which
// session served it; the summary proves one pool per process and one client per thread.
using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Mpms.Hosting;
using Mpms.Samples.Advanced;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

// The application picks the database and the endpoint; its worker processes inherit both through their environment.
string database = builder.Configuration["Demo:Database"] ?? Path.Combine(Path.GetTempPath(), $"mpms-advanced-{Environment.ProcessId}.db");
string endpoint = builder.Configuration["Demo:Endpoint"] ?? $"http://127.0.0.1:{FreePort()}";
builder.WebHost.UseUrls(endpoint);
builder.Services.Configure<DemoOptions>(o =>
{
    o.Database = database;
    o.Endpoint = endpoint;
});

builder.Services.AddMpms<LookupWorker>(o =>
{
    o.Processes = 2;
    o.ThreadsPerProcess = 3;
    o.WorkerEnvironment["Demo__Database"] = database;
    o.WorkerEnvironment["Demo__Endpoint"] = endpoint;
});
builder.Services.AddSingleton<DbPool>();
builder.Services.AddSingleton<IProcessInitializer>(sp => sp.GetRequiredService<DbPool>());
builder.Services.AddSingleton<IProcessFinalizer>(sp => sp.GetRequiredService<DbPool>());
builder.Services.AddScoped<HttpSession>();
builder.Services.AddScoped<IThreadInitializer>(sp => sp.GetRequiredService<HttpSession>());
builder.Services.AddScoped<IThreadFinalizer>(sp => sp.GetRequiredService<HttpSession>());

WebApplication app = builder.Build();
int requests = 0;
app.MapGet("/session", (HttpContext http) => new SessionEcho(
    http.Request.Headers["X-Session"].ToString(),
    http.Connection.Id,
    Interlocked.Increment(ref requests)));

SeedDatabase(database);
await app.StartAsync();

var queue = app.Services.GetRequiredService<IMpmsQueue>();
LookupResult[] results = await Task.WhenAll(Enumerable.Range(1, 24).Select(id => queue.RunAsync(new LookupJob(id))));
foreach (LookupResult r in results)
{
    Console.WriteLine($"job {r.Id,2}: '{r.Name}' by {r.Thread} (pid {r.ProcessId}) with db {r.Connection} of pool {r.DbPool}, http session {r.Session[..8]} over server connection {r.ServerConnection}");
}

Console.WriteLine();
foreach (IGrouping<int, LookupResult> process in results.GroupBy(r => r.ProcessId))
{
    Console.WriteLine($"process {process.Key}: {process.Select(r => r.DbPool).Distinct().Count()} database pool(s), connections used: {string.Join(", ", process.Select(r => r.Connection).Distinct().Order())}");
}

foreach (IGrouping<string?, LookupResult> thread in results.GroupBy(r => r.Thread).OrderBy(g => g.Key))
{
    Console.WriteLine($"thread {thread.Key}: {thread.Count()} job(s), {thread.Select(r => r.Session).Distinct().Count()} http session(s), {thread.Select(r => r.ServerConnection).Distinct().Count()} server connection(s)");
}

bool onePoolPerProcess = results.GroupBy(r => r.ProcessId).All(g => g.Select(r => r.DbPool).Distinct().Count() == 1);
bool oneClientPerThread = results.GroupBy(r => r.Thread).All(g => g.Select(r => r.Session).Distinct().Count() == 1);
Console.WriteLine($"one database pool per process: {onePoolPerProcess}; one HTTP client per thread: {oneClientPerThread}");

await app.StopAsync();
File.Delete(database);
return onePoolPerProcess && oneClientPerThread ? 0 : 1;

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static void SeedDatabase(string path)
{
    using var connection = new SqliteConnection($"Data Source={path}");
    connection.Open();
    using SqliteCommand command = connection.CreateCommand();
    command.CommandText = """
        DROP TABLE IF EXISTS items;
        CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
        INSERT INTO items SELECT i, 'item-' || i FROM n;
        """;
    command.ExecuteNonQuery();
}
