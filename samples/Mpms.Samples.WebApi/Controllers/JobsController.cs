using Microsoft.AspNetCore.Mvc;
using Mpms.Hosting;

namespace Mpms.Samples.WebApi.Controllers;

/// <summary>Jobs over HTTP: submit and poll, or run and wait.</summary>
[ApiController]
[Route("api/jobs")]
public sealed class JobsController(IMpmsQueue queue, JobStore store) : ControllerBase
{
    /// <summary>Accepts a job: 202 with its location, or 429 when the queue is full.</summary>
    [HttpPost]
    public IActionResult Submit(ChecksumJob job)
    {
        if (!queue.TryPut(job, out MpmsJobHandle<ChecksumResult>? handle))
        {
            Response.Headers.RetryAfter = "1";
            return Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "The job queue is full; retry later.");
        }

        store.Add(handle);
        return AcceptedAtAction(nameof(Get), new { id = handle.JobId }, new JobView(handle.JobId, handle.Status.ToString(), null, null));
    }

    /// <summary>Where a job stands, with its result or error once it has one; <paramref name="waitSeconds"/> long-polls for the outcome.</summary>
    [HttpGet("{id}")]
    public async Task<ActionResult<JobView>> Get(string id, int waitSeconds = 0, CancellationToken cancellationToken = default)
    {
        if (store.Find(id) is not { } handle)
        {
            return NotFound();
        }

        if (waitSeconds > 0)
        {
            await ((Task)handle.Completion).WaitAsync(TimeSpan.FromSeconds(Math.Min(waitSeconds, 60)), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Task<ChecksumResult> completion = handle.Completion;
        return new JobView(
            handle.JobId,
            handle.Status.ToString(),
            completion.IsCompletedSuccessfully ? completion.Result : null,
            completion.IsFaulted ? completion.Exception!.InnerException!.Message : completion.IsCanceled ? "canceled" : null);
    }

    /// <summary>Cancels a job: before it starts it never runs; while it runs, its token is signalled.</summary>
    [HttpDelete("{id}")]
    public IActionResult Cancel(string id)
    {
        if (store.Find(id) is not { } handle)
        {
            return NotFound();
        }

        handle.Cancel();
        return NoContent();
    }

    /// <summary>Runs a job and answers with its result; a client that goes away cancels it.</summary>
    [HttpPost("run")]
    public async Task<ActionResult<ChecksumResult>> Run(ChecksumJob job, CancellationToken cancellationToken)
    {
        try
        {
            return await queue.RunAsync(job, cancellationToken);
        }
        catch (MpmsPoolFailedException ex)
        {
            return Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: ex.Message);
        }
        catch (MpmsWorkerException ex)
        {
            return Problem(statusCode: StatusCodes.Status500InternalServerError, title: $"{ex.RemoteType}: {ex.Message}");
        }
    }
}

/// <summary>A job as clients see it.</summary>
public sealed record JobView(string Id, string Status, ChecksumResult? Result, string? Error);
