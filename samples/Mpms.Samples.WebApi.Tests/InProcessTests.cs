using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Mpms.Samples.WebApi.Tests;

/// <summary>
/// The Web API sample with its pool in <c>ExecutionMode: InProcess</c>: the jobs run on the pool's worker threads in
/// this test process, so a service the test overrides with <c>ConfigureTestServices</c> is the one the worker uses.
/// </summary>
public sealed class InProcessTests
{
    [Fact]
    public async Task RunEndpoint_WorkerUsesTheServiceTheTestOverrode()
    {
        await using var factory = new WebApplicationFactory<Program>();
        using HttpClient client = factory.WithWebHostBuilder(web =>
        {
            web.UseSetting("Mpms:ExecutionMode", "InProcess");
            web.UseSetting("Mpms:Processes", "1");
            web.ConfigureTestServices(services => services.AddSingleton<IPayloadSource, ZeroPayloadSource>());
        }).CreateClient();

        using HttpResponseMessage response = await client.PostAsJsonAsync("/api/jobs/run", new ChecksumJob(Size: 1024, Rounds: 2));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/jobs/run answered {(int)response.StatusCode}: {body}");
        ChecksumResult? result = await response.Content.ReadFromJsonAsync<ChecksumResult>();

        Assert.NotNull(result);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(SHA256.HashData(new byte[1024])), 0, 8), result.Checksum);
        Assert.Equal(Environment.ProcessId, result.ProcessId);
        Assert.Equal("mpms-ChecksumWorker-p1#t", result.Thread?[..^1]);
    }

    /// <summary>Zeros instead of random bytes: the checksum a test can know in advance.</summary>
    private sealed class ZeroPayloadSource : IPayloadSource
    {
        public void Fill(Span<byte> buffer) => buffer.Clear();
    }
}
