using Microsoft.AspNetCore.Routing;
using Mpms.Hosting.Dashboard;
using Mpms.Hosting.Dashboard.Internal;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Mpms dashboard: a live page of the application's pools and the JSON it reads.</summary>
public static class MpmsDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the dashboard of every Mpms pool of the application under <paramref name="pattern"/>: the page at
    /// <c>{pattern}/</c> and its data at <c>{pattern}/api/pools</c>, seen by local requests only.
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="pattern">The path the dashboard is served under, for example <c>/mpms</c>.</param>
    /// <returns>The dashboard's endpoints, so that conventions apply to all of them (<c>.RequireAuthorization("policy")</c>).</returns>
    /// <example>
    /// <code>
    /// app.MapMpmsDashboard("/mpms");
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapMpmsDashboard(this IEndpointRouteBuilder endpoints, string pattern) =>
        MapMpmsDashboard(endpoints, pattern, new MpmsDashboardOptions());

    /// <summary>
    /// Maps the dashboard of every Mpms pool of the application under <paramref name="pattern"/>, served as
    /// <paramref name="options"/> say (who may see it, how often the page refreshes).
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="pattern">The path the dashboard is served under, for example <c>/mpms</c>.</param>
    /// <param name="options">Who may see the dashboard, and how it refreshes; read once, here.</param>
    /// <returns>The dashboard's endpoints, so that conventions apply to all of them (<c>.RequireAuthorization("policy")</c>).</returns>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> or <paramref name="options"/> is invalid; the message says which and why.</exception>
    /// <example>
    /// <code>
    /// app.MapMpmsDashboard("/mpms", new MpmsDashboardOptions
    /// {
    ///     Authorization = [context => ValueTask.FromResult(context.User.IsInRole("ops"))],
    /// });
    /// </code>
    /// </example>
    public static IEndpointConventionBuilder MapMpmsDashboard(this IEndpointRouteBuilder endpoints, string pattern, MpmsDashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(options);
        DashboardSettings settings = DashboardSettings.Validate(pattern, options);
        return DashboardEndpoints.Map(endpoints, settings);
    }
}
