using Mpms.Hosting;

namespace MpmsWorkerApp;

/// <summary>A job: count the words of <see cref="Text"/> that are not stop words.</summary>
public sealed record WordCountJob(string Text) : IMpmsJob<WordCount>;

/// <summary>A job's result, and where it ran.</summary>
public sealed record WordCount(int Words, string Thread);

/// <summary>Runs in a worker process, on a worker thread; one instance per thread (it is a scoped service).</summary>
public sealed class WordCountWorker(StopWordList stopWords) : IMpmsWorker<WordCountJob, WordCount>
{
    public ValueTask<WordCount> ExecuteAsync(WordCountJob job, MpmsJobContext context, CancellationToken cancellationToken)
    {
        int words = job.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Count(word => !stopWords.Contains(word));
        return ValueTask.FromResult(new WordCount(words, context.Thread.ThreadName));
    }
}
