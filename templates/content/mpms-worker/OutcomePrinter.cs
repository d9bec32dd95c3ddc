using Mpms.Hosting;

namespace MpmsWorkerApp;

/// <summary>Receives every job's outcome in the application, one at a time: succeeded, failed, timed out, lost or canceled.</summary>
public sealed class OutcomePrinter(ILogger<OutcomePrinter> logger) : IMpmsCollector<WordCountJob, WordCount>
{
    public ValueTask CollectAsync(MpmsResult<WordCountJob, WordCount> result, CancellationToken cancellationToken)
    {
        if (result.Succeeded)
        {
            logger.LogInformation("Job {JobId} succeeded: {Words} words in \"{Text}\" on {Thread}", result.JobId, result.Value!.Words, result.Job.Text, result.Value.Thread);
        }
        else
        {
            logger.LogWarning(result.Exception, "Job {JobId} ended {Status}", result.JobId, result.Status);
        }

        return ValueTask.CompletedTask;
    }
}
