using Microsoft.Extensions.Hosting;

// In the namespace and with the name of ASP.NET Core's own, which the tests do not reference.
namespace Microsoft.AspNetCore.Hosting
{
    /// <summary>Stands for the web host's hosted service (ASP.NET Core's, which starts Kestrel), by its full name.</summary>
    internal sealed class GenericWebHostService : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("a worker process started the web server");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
