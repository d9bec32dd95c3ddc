using System.Diagnostics;
using System.Globalization;

namespace Mpms.Hosting.Supervision;

/// <summary>Reads a worker process's resident memory, for the pool's details: never for a decision, so it may fail quietly.</summary>
internal static class ProcessMemory
{
    /// <summary>Reads the resident set of process <paramref name="processId"/> in bytes.</summary>
    /// <returns><see langword="null"/> when the process is gone or its memory cannot be read.</returns>
    public static long? TryReadResident(int processId)
    {
        if (OperatingSystem.IsLinux())
        {
            return TryReadStatm(processId);
        }

        try
        {
            using Process process = Process.GetProcessById(processId);
            return process.WorkingSet64;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    // On Linux one small read of /proc/<pid>/statm ("size resident shared ..." in pages) is far cheaper than what
    // Process gathers (it parses /proc/<pid>/stat and status, and opens the process).
    private static long? TryReadStatm(int processId)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/statm");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        string[] fields = text.Split(' ', 3);
        return fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long pages)
            ? pages * Environment.SystemPageSize
            : null;
    }
}
