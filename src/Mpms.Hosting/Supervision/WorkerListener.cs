using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>A connection that proved itself with a spawn's secret.</summary>
internal sealed record WorkerConnection(Link Link, int ProcessId);

/// <summary>
/// The pool's listening socket. Each spawned process gets a one-time secret; a connection whose first frame is not a
/// hello carrying a pending secret, within a few seconds, is logged and closed. The pool goes on either way.
/// </summary>
/// <remarks>
/// At most <see cref="MaxHandshakes"/> connections wait for their hello at once (each with one read buffer at most); a
/// connection beyond that makes room by closing the oldest waiting one. A worker says hello the moment it connects,
/// so only a connection that stays silent is shed, and a flood of them costs a bounded amount of memory and
/// descriptors however many come.
/// </remarks>
internal sealed class WorkerListener : IAsyncDisposable
{
    /// <summary>How many connections may wait for their hello at once: far more than a pool ever starts together.</summary>
    public const int MaxHandshakes = 64;

    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SaturationLogInterval = TimeSpan.FromSeconds(10);

    private readonly string _poolName;
    private readonly ILogger _logger;
    private readonly SocketDirectory _directory;
    private readonly Socket _socket;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<WorkerConnection>> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _clock;

    // The handshakes under way, oldest first (pruned of finished ones at each accept); the listener's disposal awaits
    // them. _shed counts the connections closed to make room; _saturationLoggedAt throttles the warning about it.
    private readonly Lock _lock = new();
    private readonly Queue<PendingHandshake> _handshakes = new();
    private long _shed;
    private long _saturationLoggedAt;
    private Task _acceptLoop = Task.CompletedTask;

    public WorkerListener(string poolName, string? baseDirectory, ILogger logger, TimeProvider clock)
    {
        _poolName = poolName;
        _logger = logger;
        _clock = clock;
        _directory = SocketDirectory.Create(baseDirectory);
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _socket.Bind(new UnixDomainSocketEndPoint(_directory.SocketPath));
            _socket.Listen(128);
        }
        catch
        {
            _socket.Dispose();
            _directory.Dispose();
            throw;
        }
    }

    public string Endpoint => _directory.SocketPath;

    public string DirectoryPath => _directory.Path;

    public void Start() => _acceptLoop = AcceptLoopAsync(_stopping.Token);

    /// <summary>Registers a new secret; the task completes when its process connects with it.</summary>
    public (string Secret, Task<WorkerConnection> Connected) Expect()
    {
        string secret = StartupSecret.New();
        var connected = new TaskCompletionSource<WorkerConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[secret] = connected;
        return (secret, connected.Task);
    }

    /// <summary>Forgets a secret whose process will never connect.</summary>
    public void Forget(string secret)
    {
        if (_pending.TryRemove(secret, out TaskCompletionSource<WorkerConnection>? connected))
        {
            connected.TrySetCanceled();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        // Canceled with the listener, every handshake under way ends at once.
        Task[] handshakes;
        lock (_lock)
        {
            handshakes = [.. _handshakes.Select(h => h.Run)];
            _handshakes.Clear();
        }

        await Task.WhenAll(handshakes).ConfigureAwait(false);
        foreach (string secret in _pending.Keys)
        {
            Forget(secret);
        }

        _directory.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                // A lasting failure (out of file descriptors) would fail every accept at once: pause, do not spin.
                SupervisorLog.AcceptFailed(_logger, _poolName, ex);
                await Task.Delay(AcceptRetryDelay, _clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            var handshake = new PendingHandshake(CancellationTokenSource.CreateLinkedTokenSource(cancellationToken));
            lock (_lock)
            {
                MakeRoom();
                handshake.Run = HandshakeAsync(connection, handshake, cancellationToken);
                _handshakes.Enqueue(handshake);
            }
        }
    }

    /// <summary>Forgets finished handshakes, and at the limit closes the oldest one still waiting for its hello.</summary>
    private void MakeRoom()
    {
        while (_handshakes.TryPeek(out PendingHandshake? oldest) && oldest.Run.IsCompleted)
        {
            _handshakes.Dequeue().Dispose();
        }

        if (_handshakes.Count < MaxHandshakes)
        {
            return;
        }

        PendingHandshake shed = _handshakes.Dequeue();
        shed.Shed = true;
        shed.Cancellation.Cancel();
        long count = ++_shed;
        long now = _clock.GetTimestamp();
        if (count == 1 || _clock.GetElapsedTime(_saturationLoggedAt, now) >= SaturationLogInterval)
        {
            _saturationLoggedAt = now;
            SupervisorLog.HandshakesSaturated(_logger, _poolName, MaxHandshakes, count);
        }
    }

    private async Task HandshakeAsync(Socket connection, PendingHandshake handshake, CancellationToken cancellationToken)
    {
        await Task.Yield(); // the accept loop goes on at once; the hello is read off its thread
        var link = new Link(new SocketTransport(connection));
        try
        {
            using var helloTimeout = new CancellationTokenSource(HelloTimeout, _clock);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(handshake.Cancellation.Token, helloTimeout.Token);
            HelloMessage hello = await Handshake.ReadHelloAsync(link, timeout.Token).ConfigureAwait(false);
            TaskCompletionSource<WorkerConnection>? waiting = TakePending(hello.Secret)
                ?? throw new MpmsProtocolException("The secret matches no process this pool started.");
            if (!waiting.TrySetResult(new WorkerConnection(link, hello.ProcessId)))
            {
                throw new MpmsProtocolException("The process this secret belongs to is no longer expected.");
            }
        }
        catch (Exception ex)
        {
            // Whatever a peer sent, the connection is closed and the refusal logged; nothing escapes this task.
            if (handshake.Shed)
            {
                SupervisorLog.ConnectionShed(_logger, _poolName);
            }
            else if (!cancellationToken.IsCancellationRequested)
            {
                string reason = ex is OperationCanceledException ? $"no hello within {HelloTimeout.TotalSeconds:0} seconds" : ex.Message;
                SupervisorLog.ConnectionRejected(_logger, _poolName, reason);
            }

            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One connection waiting for its hello: what runs it, and what sheds it.</summary>
    private sealed class PendingHandshake(CancellationTokenSource cancellation) : IDisposable
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;

        public Task Run { get; set; } = Task.CompletedTask;

        /// <summary>Gets or sets a value indicating whether the connection was closed to make room (set before it is canceled).</summary>
        public bool Shed { get; set; }

        public void Dispose() => Cancellation.Dispose();
    }

    private TaskCompletionSource<WorkerConnection>? TakePending(string secret)
    {
        // Compare in constant time so that the response time tells nothing about how close a guess was.
        byte[] offered = Encoding.UTF8.GetBytes(secret);
        foreach (string candidate in _pending.Keys)
        {
            if (CryptographicOperations.FixedTimeEquals(offered, Encoding.UTF8.GetBytes(candidate))
                && _pending.TryRemove(candidate, out TaskCompletionSource<WorkerConnection>? waiting))
            {
                return waiting;
            }
        }

        return null;
    }
}
