using Microsoft.Extensions.Options;
using Mpms.Hosting;

namespace MpmsWorkerApp;

/// <summary>The process initializer's settings, from the "StopWords" section of appsettings.json.</summary>
public sealed class StopWordsOptions
{
    public List<string> Words { get; set; } = [];
}

/// <summary>A per-process resource: a singleton is one per worker process, filled by the process initializer.</summary>
public sealed class StopWordList
{
    private readonly HashSet<string> _words = new(StringComparer.OrdinalIgnoreCase);

    public int Count => _words.Count;

    public bool Contains(string word) => _words.Contains(word);

    public void Load(IEnumerable<string> words) => _words.UnionWith(words);
}

/// <summary>Runs once in every worker process before it takes a job; if it throws, that process handles no job.</summary>
public sealed class StopWordsLoader(StopWordList stopWords, IOptions<StopWordsOptions> options, ILogger<StopWordsLoader> logger) : IProcessInitializer
{
    public ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken)
    {
        stopWords.Load(options.Value.Words);
        logger.LogInformation("Process {ProcessName} loaded {Count} stop words", context.ProcessName, stopWords.Count);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Runs once on every worker thread, on that thread, before it takes a job: the place for per-thread resources.</summary>
public sealed class ThreadGreeter(ILogger<ThreadGreeter> logger) : IThreadInitializer
{
    public ValueTask InitializeAsync(MpmsThreadContext context, CancellationToken cancellationToken)
    {
        logger.LogInformation("Thread {ThreadName} is ready", context.ThreadName);
        return ValueTask.CompletedTask;
    }
}
