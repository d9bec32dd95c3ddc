using Mpms.Hosting;
using Mpms.Hosting.Diagnostics;
using Mpms.Hosting.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the health of MPMS pools to ASP.NET Core / Generic Host health checks.</summary>
public static class MpmsHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check of the MPMS pools: Healthy with every process ready and room in the queue; Degraded with
    /// fewer processes ready, while the queue is full or was full within <see cref="MpmsOptions.HealthQueueFullWindow"/>,
    /// or while the job at its head has waited longer than <see cref="MpmsOptions.HealthQueueWaitLimit"/>; Unhealthy
    /// (or <paramref name="failureStatus"/>) when a pool has failed or stopped. The description names every reason and
    /// the result's data carries each pool's counts; <see cref="MpmsHealthResponseWriter"/> writes it all as JSON.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="poolName">The pool to check; <see langword="null"/> checks every pool.</param>
    /// <param name="failureStatus">The status reported for a failed pool; Unhealthy when <see langword="null"/>.</param>
    /// <param name="tags">Tags to filter health checks by.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <example><code>builder.Services.AddHealthChecks().AddMpms();  app.MapHealthChecks("/health");</code></example>
    public static IHealthChecksBuilder AddMpms(
        this IHealthChecksBuilder builder,
        string name = "mpms",
        string? poolName = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            services => new MpmsHealthCheck(services.GetServices<IPoolStatus>(), services.GetRequiredService<IOptionsMonitor<MpmsOptions>>(), poolName),
            failureStatus,
            tags));
    }
}
