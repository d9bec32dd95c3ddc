using Microsoft.AspNetCore.Http;

namespace Mpms.Hosting.Dashboard;

/// <summary>How the Mpms dashboard is served: who may see it, how often the page refreshes, and its title.</summary>
public sealed class MpmsDashboardOptions
{
    /// <summary>
    /// Gets or sets the checks a request must pass to see the dashboard (the page and its JSON): every one must allow it.
    /// A request denied gets 401 when it is not authenticated, 403 when it is.
    /// </summary>
    /// <value>
    /// <see cref="MpmsDashboardAuthorization.LocalRequestsOnly"/> alone: only requests from the machine itself, as
    /// Hangfire's dashboard does. An empty list lets every request through: use it when an endpoint policy
    /// (<c>.RequireAuthorization("policy")</c> on what <c>MapMpmsDashboard</c> returns) decides instead.
    /// </value>
    /// <remarks>The dashboard shows job ids, exception messages and stack traces: allow only who may read the application's logs.</remarks>
    public IReadOnlyList<Func<HttpContext, ValueTask<bool>>> Authorization { get; set; } = [MpmsDashboardAuthorization.LocalRequestsOnly];

    /// <summary>Gets or sets how often the page asks for new data.</summary>
    /// <value>2 seconds; at least 250 milliseconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the page's title, shown in its header and the browser's tab.</summary>
    /// <value><c>Mpms</c>.</value>
    public string Title { get; set; } = "Mpms";
}
