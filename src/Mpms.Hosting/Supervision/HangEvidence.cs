using System.Runtime.InteropServices;
using Mpms.Hosting.Diagnostics;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Supervision;

/// <summary>
/// What the pool keeps of a process it is about to kill as hung or overdue: the jobs it was running, on which thread,
/// for how long (from its last heartbeat), and, when <see cref="MpmsOptions.HangDumpDirectory"/> is set, a dump of the
/// process for <c>dotnet-dump analyze</c>.
/// </summary>
internal static partial class HangEvidence
{
    private const int SigCont = 18;
    private static readonly TimeSpan DumpTimeout = TimeSpan.FromSeconds(60);

    public static void LogRunningJobs(ILogger logger, string pool, string processName, IEnumerable<(string JobId, string ThreadName, TimeSpan Running)> jobs)
    {
        bool any = false;
        foreach ((string jobId, string threadName, TimeSpan running) in jobs)
        {
            SupervisorLog.HungJob(logger, pool, processName, jobId, threadName, running);
            any = true;
        }

        if (!any)
        {
            SupervisorLog.HungWithoutJobs(logger, pool, processName);
        }
    }

    /// <summary>Writes a dump of the process, if a directory is configured; never throws.</summary>
    public static async Task TryWriteDumpAsync(SupervisionContext pool, int processId, string processName)
    {
        string? directory = pool.Options.HangDumpDirectory;
        if (string.IsNullOrEmpty(directory))
        {
            return;
        }

        string path = Path.Combine(directory, $"{processName}-{processId}-{pool.Clock.GetUtcNow():yyyyMMddTHHmmss}.dmp");
        try
        {
            Directory.CreateDirectory(directory);

            // A stopped process cannot answer the diagnostics request; it is killed right after anyway.
            if (!OperatingSystem.IsWindows())
            {
                _ = Kill(processId, SigCont);
            }

            using var timeout = new CancellationTokenSource(DumpTimeout, pool.Clock);
            await new DiagnosticsClient(processId).WriteDumpAsync(DumpType.WithHeap, path, logDumpGeneration: false, timeout.Token).ConfigureAwait(false);
            SupervisorLog.DumpWritten(pool.Logger, pool.PoolName, processName, path);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SupervisorLog.DumpFailed(pool.Logger, pool.PoolName, processName, path, ex);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
