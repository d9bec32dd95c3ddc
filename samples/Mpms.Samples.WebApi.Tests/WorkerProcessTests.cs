using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Mpms.Samples.WebApi.Controllers;

namespace Mpms.Samples.WebApi.Tests;

/// <summary>
/// The Web API sample under <see cref="WebApplicationFactory{TEntryPoint}"/> with its pool as in production: its jobs
/// run in worker processes, started from the sample's own assembly because this test run is not the application.
/// Disposing the factory stops the pool and its workers with it.
/// </summary>
public sealed class WorkerProcessTests
{
    [Fact]
    public async Task PostedJob_RunsInAWorkerProcess_AndItsOutcomeCanBePolled()
    {
        int worker;
        await using (var factory = new WebApplicationFactory<Program>())
        {
            using HttpClient client = factory.WithWebHostBuilder(web => web.UseSetting("Mpms:Processes", "1")).CreateClient();

            using HttpResponseMessage accepted = await client.PostAsJsonAsync("/api/jobs", new ChecksumJob(Size: 1024));
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            Assert.NotNull(accepted.Headers.Location);

            JobView? job = await client.GetFromJsonAsync<JobView>($"{accepted.Headers.Location}?waitSeconds=60");

            Assert.NotNull(job);
            Assert.True(job.Status == "Succeeded", $"The job ended as {job.Status}: {job.Error}");
            Assert.NotNull(job.Result);
            Assert.Equal(16, job.Result.Checksum.Length);
            Assert.NotEqual(Environment.ProcessId, job.Result.ProcessId);
            Assert.StartsWith("mpms-ChecksumWorker-p", job.Result.Thread, StringComparison.Ordinal);
            worker = job.Result.ProcessId;
            Assert.False(HasExited(worker), $"Worker process {worker} ended while its pool ran.");
        }

        Assert.True(HasExited(worker), $"Worker process {worker} outlived the factory.");
    }

    private static bool HasExited(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
    }
}
