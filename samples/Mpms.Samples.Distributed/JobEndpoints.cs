using System.Collections.Concurrent;
using Mpms.Hosting;

namespace Mpms.Samples.Distributed;

/// <summary>The API host's endpoints: put a job and poll it, or run a batch and see which hosts ran it.</summary>
public static class JobEndpoints
{
    /// <summary>Maps <c>/api/jobs</c>.</summary>
    public static void MapJobEndpoints(this WebApplication app)
    {
        // The handles of the jobs this host put, for polling; the outcome comes back to this host whichever host ran it.
        var jobs = new ConcurrentDictionary<string, MpmsJobHandle<HashResult>>(StringComparer.Ordinal);
        RouteGroupBuilder group = app.MapGroup("/api/jobs");

        // The put returns once the broker has confirmed the job: a 202 means the job is durable on the broker.
        group.MapPost("/", async (HashJob job, IMpmsQueue queue, CancellationToken cancellationToken) =>
        {
            MpmsJobHandle<HashResult> handle = await queue.PutAsync(job, cancellationToken);
            jobs[handle.JobId] = handle;
            return Results.Accepted($"/api/jobs/{handle.JobId}", View(handle));
        });

        group.MapGet("/{id}", async (string id, int? waitSeconds, CancellationToken cancellationToken) =>
        {
            if (!jobs.TryGetValue(id, out MpmsJobHandle<HashResult>? handle))
            {
                return Results.NotFound();
            }

            if (waitSeconds is > 0)
            {
                await ((Task)handle.Completion).WaitAsync(TimeSpan.FromSeconds(Math.Min(waitSeconds.Value, 60)), cancellationToken)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            return Results.Ok(View(handle));
        });

        // Runs count jobs at once and counts them by the host that ran them: with several hosts up, the work spreads.
        group.MapPost("/spread", async (int? count, int? rounds, IMpmsQueue queue, CancellationToken cancellationToken) =>
        {
            int n = Math.Clamp(count ?? 20, 1, 10_000);
            HashResult[] results = await Task.WhenAll(Enumerable.Range(0, n)
                .Select(i => queue.RunAsync(new HashJob($"job {i}", rounds ?? 100_000), cancellationToken)));
            return Results.Ok(results.GroupBy(r => r.Host).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()));
        });
    }

    private static JobView View(MpmsJobHandle<HashResult> handle)
    {
        Task<HashResult> completion = handle.Completion;
        return new JobView(
            handle.JobId,
            handle.Status.ToString(),
            completion.IsCompletedSuccessfully ? completion.Result : null,
            completion.IsFaulted ? completion.Exception!.InnerException!.Message : completion.IsCanceled ? "canceled" : null);
    }
}

/// <summary>A job as clients see it.</summary>
public sealed record JobView(string Id, string Status, HashResult? Result, string? Error);
