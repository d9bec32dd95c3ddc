using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Supervision;

namespace Mpms.Hosting.Registration;

/// <summary>
/// Starts a pool's worker processes inside the application (<see cref="MpmsExecutionMode.InProcess"/>): each is an
/// <see cref="InProcessWorker"/> at the end of an in-memory link, which greets the pool with its one-time secret as a
/// worker process greets the pool's socket. The supervisor does not tell them from real processes.
/// </summary>
internal sealed class InProcessStarter(SupervisionContext pool, InProcessRuntime runtime) : IProcessStarter
{
    // Only for the start marks: the in-process workers map them like worker processes do.
    private SocketDirectory? _directory;

    public string Program => "in-process";

    public string PrivateDirectory => _directory?.Path ?? throw new InvalidOperationException("The starter is not open.");

    /// <summary>Makes the private directory; says, every time, that this pool has no worker processes.</summary>
    public void Open()
    {
        _directory = SocketDirectory.Create(pool.Options.SocketDirectory);
        HostingLog.InProcessMode(pool.Logger, pool.PoolName, pool.Options.Processes);
    }

    public StartedProcess Start(int number)
    {
        (PipeTransport workerEnd, PipeTransport applicationEnd) = PipeTransport.CreatePair();
        string secret = StartupSecret.New();
        var forget = new CancellationTokenSource();
        Task<WorkerConnection> connected = AcceptAsync(new Link(applicationEnd), secret, forget.Token);
        InProcessWorker worker = InProcessWorker.Start(pool, number, runtime, secret, workerEnd, applicationEnd);
        return new StartedProcess(worker, connected, () =>
        {
            forget.Cancel();
            forget.Dispose();
        });
    }

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _directory, null)?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads the worker's hello on the pool's end of its link; a worker that never says it is killed at <see cref="MpmsOptions.StartTimeout"/>.</summary>
    private static async Task<WorkerConnection> AcceptAsync(Link link, string secret, CancellationToken forgotten)
    {
        try
        {
            HelloMessage hello = await Handshake.ReadHelloAsync(link, forgotten).ConfigureAwait(false);
            return string.Equals(hello.Secret, secret, StringComparison.Ordinal)
                ? new WorkerConnection(link, hello.ProcessId)
                : throw new MpmsProtocolException("The secret is not the one this worker was given.");
        }
        catch
        {
            await link.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
