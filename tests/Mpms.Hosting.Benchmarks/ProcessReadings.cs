namespace Mpms.Hosting.Benchmarks;

/// <summary>What the benchmarks read of another process from <c>/proc</c>.</summary>
public static class ProcessReadings
{
    /// <summary>A memory line of /proc/&lt;pid&gt;/status, in MiB. RSS counts the runtime's shared files too; RssAnon and
    /// RssShmem are the process's own pages.</summary>
    public static double StatusMegabytes(int processId, string field)
    {
        foreach (string line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }

    /// <summary>The CPU time a process has used, user and system, in milliseconds (from /proc/&lt;pid&gt;/stat, in clock ticks of 10 ms).</summary>
    public static double CpuMilliseconds(int processId)
    {
        string stat = File.ReadAllText($"/proc/{processId}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after the name, which may hold spaces
        long ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return ticks * 10.0;
    }

    /// <summary>The pages of a process that are its own (anonymous and shared-memory), in MiB: RSS less the files it maps.</summary>
    public static double OwnMegabytes(int processId) => StatusMegabytes(processId, "RssAnon:") + StatusMegabytes(processId, "RssShmem:");
}
