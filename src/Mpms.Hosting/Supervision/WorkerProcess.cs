using System.Diagnostics;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.Protocol;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// The operating-system process of one worker: started with its secret in its environment, its output forwarded to the
/// log, killed, reaped. What the pool knows of its life is its <see cref="Lifecycle"/>; the protocol is its link's.
/// </summary>
internal sealed class WorkerProcess : IWorkerProcess
{
    // After the process exits, how long its last output lines may take to arrive; a process it started that still holds
    // its standard output open must not hold up the outcomes of its jobs.
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(1);

    private readonly Process _process;
    private readonly Task _exited;
    private readonly ILogger _outputLogger;
    private readonly TimeProvider _clock;

    private WorkerProcess(Process process, Task exited, ProcessLifecycle lifecycle, ILogger outputLogger, TimeProvider clock)
    {
        _process = process;
        _exited = exited;
        Lifecycle = lifecycle;
        _outputLogger = outputLogger;
        _clock = clock;
    }

    public ProcessLifecycle Lifecycle { get; }

    public string Name => Lifecycle.Name;

    public int ProcessId => Lifecycle.ProcessId;

    public bool IsInApplication => false;

    /// <summary>Starts worker process number <paramref name="number"/> of the pool.</summary>
    public static WorkerProcess Start(SupervisionContext pool, int number, WorkerCommandLine commandLine, string endpoint, string secret)
    {
        MpmsOptions options = pool.Options;
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

        WorkerEnvironmentDefaults.Apply(startInfo.Environment, options.WorkerEnvironment);

        startInfo.Environment[StartupVariables.Pool] = pool.PoolName;
        startInfo.Environment[StartupVariables.Endpoint] = endpoint;
        startInfo.Environment[StartupVariables.ProcessNumber] = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        startInfo.Environment[StartupVariables.ParentProcessId] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult();
        long startedAt = pool.Clock.GetTimestamp();
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        var lifecycle = new ProcessLifecycle(pool.PoolName, number, process.Id, startedAt, pool.Clock);
        var worker = new WorkerProcess(process, exited.Task, lifecycle, pool.OutputLogger, pool.Clock);

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
            process.OutputDataReceived += worker.OnStandardOutput;
            process.ErrorDataReceived += worker.OnStandardError;
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
    public async Task WaitForExitAsync()
    {
        await _exited.ConfigureAwait(false);
        await Waits.CompletesWithinAsync(_process.WaitForExitAsync(), OutputDrainTimeout, _clock).ConfigureAwait(false);
    }

    /// <summary>Kills the process (SIGKILL), noting why; this reason replaces any reason given before (a drain it outlived).</summary>
    public void Kill(MpmsProcessExitReason reason)
    {
        Lifecycle.OnKilled(reason);
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
        int? exitCode = null;
        try
        {
            exitCode = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
        }

        return Lifecycle.OnExited(exitCode, linkBroken);
    }

    public void Dispose() => _process.Dispose();

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
