namespace Mpms.Hosting.Supervision;

/// <summary>
/// Starts worker processes as operating-system processes running <see cref="WorkerCommandLine"/>, from the pool's
/// <see cref="SpawnThread"/>, each with a one-time secret its <see cref="WorkerListener"/> expects on the pool's socket.
/// </summary>
/// <param name="pool">What the pool's supervision shares.</param>
/// <param name="resolveCommandLine">Resolves the workers' command line when the pool opens; it throws when there is none.</param>
internal sealed class OsProcessStarter(SupervisionContext pool, Func<WorkerCommandLine> resolveCommandLine) : IProcessStarter
{
    private WorkerCommandLine? _commandLine;
    private WorkerListener? _listener;
    private SpawnThread? _spawnThread;
    private int _disposed;

    public string Program => _commandLine?.FileName ?? "(not resolved)";

    /// <summary>Gets the path of the pool's socket once opened (for tests of the link's defences).</summary>
    public string? Endpoint => _listener?.Endpoint;

    public string PrivateDirectory => _listener?.DirectoryPath ?? throw new InvalidOperationException("The starter is not open.");

    /// <summary>Resolves the command line first, so that a pool that cannot start workers opens nothing.</summary>
    public void Open()
    {
        _commandLine = resolveCommandLine();
        _listener = new WorkerListener(pool.PoolName, pool.Options.SocketDirectory, pool.Logger, pool.Clock);
        _spawnThread = new SpawnThread(pool.PoolName);
        _listener.Start();
    }

    public StartedProcess Start(int number)
    {
        WorkerListener listener = _listener ?? throw new InvalidOperationException("The starter is not open.");
        WorkerCommandLine commandLine = _commandLine!;
        return _spawnThread!.Invoke(() =>
        {
            (string secret, Task<WorkerConnection> connected) = listener.Expect();
            try
            {
                WorkerProcess process = WorkerProcess.Start(pool, number, commandLine, listener.Endpoint, secret);
                return new StartedProcess(process, connected, () => listener.Forget(secret));
            }
            catch
            {
                listener.Forget(secret);
                throw;
            }
        });
    }

    /// <summary>Closes the socket and ends the spawn thread; call once no process it started is left.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }

        _spawnThread?.Dispose(); // every process has exited: the thread they were started from may end
    }
}
