using Mpms.Hosting;

namespace MpmsWebApi;

/// <summary>A job: measure <see cref="Text"/>.</summary>
public sealed record TextStatsJob(string Text) : IMpmsJob<TextStats>;

/// <summary>A job's result, and the worker process and thread that computed it.</summary>
public sealed record TextStats(int Words, int Characters, int ProcessId, string Thread);

/// <summary>Runs in a worker process, on a worker thread; one instance per thread (it is a scoped service).</summary>
public sealed class TextStatsWorker : IMpmsWorker<TextStatsJob, TextStats>
{
    public ValueTask<TextStats> ExecuteAsync(TextStatsJob job, MpmsJobContext context, CancellationToken cancellationToken)
    {
        int words = job.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return ValueTask.FromResult(new TextStats(words, job.Text.Length, context.Process.ProcessId, context.Thread.ThreadName));
    }
}
