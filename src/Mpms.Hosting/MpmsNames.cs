namespace Mpms.Hosting;

/// <summary>The naming scheme of worker processes and threads, in one place.</summary>
internal static class MpmsNames
{
    public static string Process(string poolName, int processNumber) => $"mpms-{poolName}-p{processNumber}";

    public static string Thread(string processName, int threadNumber) => $"{processName}#t{threadNumber}";
}
