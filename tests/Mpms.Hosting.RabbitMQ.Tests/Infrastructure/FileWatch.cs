namespace Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

/// <summary>
/// Waits on a file that hosts write (the jobs their workers started): the condition is looked at again whenever the
/// file changes, not on a timer. The ceiling only keeps a broken run from hanging.
/// </summary>
internal static class FileWatch
{
    public static async Task UntilAsync(string path, Func<bool> condition, string what, TimeSpan ceiling)
    {
        // Never disposed: a notification may still arrive after the wait ended.
        var changed = new SemaphoreSlim(0);
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Created += (_, _) => changed.Release();
        watcher.Changed += (_, _) => changed.Release();
        watcher.Error += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;

        // Looked at once the watcher runs, so that a change just before it is not missed.
        using var timeout = new CancellationTokenSource(ceiling);
        while (!condition())
        {
            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {ceiling} for {what}.");
            }
        }
    }
}
