using Microsoft.AspNetCore.Mvc;
using Mpms.Hosting;

namespace MpmsWebApi.Controllers;

/// <summary>Runs jobs in the pool's worker processes.</summary>
[ApiController]
[Route("api/jobs")]
public sealed class JobsController(IMpmsQueue queue) : ControllerBase
{
    /// <summary>Runs a job and answers with its result; a client that goes away cancels it.</summary>
    /// <remarks>A full queue is refused at once with 429 and Retry-After, so that callers back off instead of piling up.</remarks>
    [HttpPost]
    public async Task<ActionResult<TextStats>> Run(TextStatsJob job, CancellationToken cancellationToken)
    {
        if (!queue.TryPut(job, out MpmsJobHandle<TextStats>? handle))
        {
            Response.Headers.RetryAfter = "1";
            return Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "The job queue is full; retry later.");
        }

        using CancellationTokenRegistration cancel = cancellationToken.Register(handle.Cancel);
        try
        {
            return await handle;
        }
        catch (MpmsWorkerException ex)
        {
            return Problem(statusCode: StatusCodes.Status500InternalServerError, title: $"{ex.RemoteType}: {ex.Message}");
        }
        catch (MpmsPoolFailedException ex)
        {
            return Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: ex.Message);
        }
    }
}
