using System.Diagnostics;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// One worker process as the supervisor sees it: the operating-system process, its name and number, its stage, and
/// what is known of why it ends. The protocol lives in the process's link; this class owns the process.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    // After the process exits, how long its last output lines may take to arrive; a process it started that still holds
    // its standard output open must not hold up the outcomes of its jobs.
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(1);

    private readonly Process _process;
    private readonly ILogger _outputLogger;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state = (int)WorkerProcessState.Starting;
    private int _requestedReason = -1;
    private int _announcedReason = -1;
    private int _threadsReady;

    private WorkerProcess(string poolName, int number, Process process, ILogger outputLogger)
    {
        PoolName = poolName;
        Number = number;
        Name = MpmsNames.Process(poolName, number);
        _process = process;
        _outputLogger = outputLogger;
        StartedTimestamp = Stopwatch.GetTimestamp();
    }

    public string PoolName { get; }

    public int Number { get; }

    public string Name { get; }

    public int ProcessId { get; private set; }

    public long StartedTimestamp { get; }

    public WorkerProcessState State => (WorkerProcessState)Volatile.Read(ref _state);

    /// <summary>Gets a value indicating whether a thread of the process became ready: it got past every initializer.</summary>
    public bool HasReadyThread => Volatile.Read(ref _threadsReady) > 0;

    /// <summary>Gets a value indicating whether the process counts towards the pool's size (it is not leaving).</summary>
    public bool IsActive => State is WorkerProcessState.Starting or WorkerProcessState.Ready;

    /// <summary>Starts a worker process of <paramref name="poolName"/>.</summary>
    public static WorkerProcess Start(
        string poolName,
        int number,
        WorkerCommandLine commandLine,
        MpmsOptions options,
        string endpoint,
        string secret,
        ILogger outputLogger)
    {
        var startInfo = new ProcessStartInfo(commandLine.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = options.CaptureWorkerOutput,
            RedirectStandardError = options.CaptureWorkerOutput,
        };
        foreach (string argument in commandLine.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (KeyValuePair<string, string> variable in options.WorkerEnvironment)
        {
            startInfo.Environment[variable.Key] = variable.Value;
        }

        startInfo.Environment[StartupVariables.Pool] = poolName;
        startInfo.Environment[StartupVariables.Endpoint] = endpoint;
        startInfo.Environment[StartupVariables.ProcessNumber] = number.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var worker = new WorkerProcess(poolName, number, process, outputLogger);
        process.Exited += (_, _) => worker._exited.TrySetResult();
        if (options.CaptureWorkerOutput)
        {
            process.OutputDataReceived += worker.OnStandardOutput;
            process.ErrorDataReceived += worker.OnStandardError;
        }

        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        worker.ProcessId = process.Id;

        // The secret goes on standard input, where it leaves no copy behind; then the worker sees end-of-file there, never the console.
        try
        {
            StartupSecret.Send(process.StandardInput, secret);
        }
        catch (IOException)
        {
            // The program exited before it read its input: its exit is seen, and counted, like any failed start.
        }
        if (options.CaptureWorkerOutput)
        {
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        return worker;
    }

    /// <summary>
    /// Waits until the process has exited and been reaped, then briefly for its last output lines. Not
    /// <see cref="Process.WaitForExitAsync"/> alone: with redirected output it also waits for the pipes to close, which
    /// a process the worker started (and that inherited them) may delay for ever.
    /// </summary>
    public async Task WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _exited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _process.WaitForExitAsync(cancellationToken).WaitAsync(OutputDrainTimeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public void OnReady() => Interlocked.CompareExchange(ref _state, (int)WorkerProcessState.Ready, (int)WorkerProcessState.Starting);

    /// <summary>Notes a credit from the process: one of its threads is ready.</summary>
    /// <returns><see langword="true"/> the first time.</returns>
    public bool OnThreadReady() => Interlocked.Increment(ref _threadsReady) == 1;

    /// <summary>Notes that the process said it is leaving, and why.</summary>
    public void OnLeaving(MpmsProcessExitReason reason)
    {
        Interlocked.CompareExchange(ref _announcedReason, (int)reason, -1);

        // A process that leaves after serving is replaced at once; one that failed to start counts as a failure when
        // it exits, so that its replacement waits for the back-off.
        if (reason != MpmsProcessExitReason.StartFailed)
        {
            MarkDraining();
        }
    }

    /// <summary>Notes that the pool asked the process to leave, and why; the first reason given wins.</summary>
    public void RequestExit(MpmsProcessExitReason reason)
    {
        Interlocked.CompareExchange(ref _requestedReason, (int)reason, -1);
        MarkDraining();
    }

    /// <summary>Kills the process (SIGKILL), noting why; this reason replaces any reason given before (a drain it outlived).</summary>
    public void Kill(MpmsProcessExitReason reason)
    {
        Volatile.Write(ref _requestedReason, (int)reason);
        MarkDraining();
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Already exited (and maybe reaped and disposed).
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Exiting right now.
        }

    }

    /// <summary>Tells how the process ended; call after it has exited.</summary>
    public ProcessExit DescribeExit(bool linkBroken)
    {
        Volatile.Write(ref _state, (int)WorkerProcessState.Exited);
        int? exitCode = null;
        int? signal = null;
        try
        {
            int code = _process.ExitCode;
            exitCode = code;

            // On Unix, .NET reports a process ended by signal N as exit code 128 + N.
            if (!OperatingSystem.IsWindows() && code > 128 && code < 128 + 65)
            {
                signal = code - 128;
            }
        }
        catch (InvalidOperationException)
        {
        }

        int requested = Volatile.Read(ref _requestedReason);
        int announced = Volatile.Read(ref _announcedReason);
        MpmsProcessExitReason reason = requested >= 0 ? (MpmsProcessExitReason)requested
            : announced >= 0 ? (MpmsProcessExitReason)announced
            : signal is not null ? MpmsProcessExitReason.Signaled
            : linkBroken ? MpmsProcessExitReason.LinkLost
            : MpmsProcessExitReason.Exited;
        bool startFailure = !HasReadyThread && reason is not (MpmsProcessExitReason.Shutdown or MpmsProcessExitReason.Recycled);
        return new ProcessExit(reason, exitCode, signal, startFailure);
    }

    public void Dispose() => _process.Dispose();

    private void MarkDraining()
    {
        int state = Volatile.Read(ref _state);
        while (state is (int)WorkerProcessState.Starting or (int)WorkerProcessState.Ready)
        {
            int seen = Interlocked.CompareExchange(ref _state, (int)WorkerProcessState.Draining, state);
            if (seen == state)
            {
                return;
            }

            state = seen;
        }
    }

    private void OnStandardOutput(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not null)
        {
            WorkerOutputLog.StandardOutput(_outputLogger, Name, ProcessId, e.Data);
        }
    }

    private void OnStandardError(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is not null)
        {
            WorkerOutputLog.StandardError(_outputLogger, Name, ProcessId, e.Data);
        }
    }
}
