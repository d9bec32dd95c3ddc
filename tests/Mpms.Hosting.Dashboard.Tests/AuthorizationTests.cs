using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Dashboard.Tests;

/// <summary>Who may see the dashboard: local requests by default, the hook when given, and endpoint policies on top.</summary>
public sealed class AuthorizationTests
{
    private static readonly IPAddress ServerAddress = IPAddress.Parse("10.0.0.5");

    public static TheoryData<string> DashboardPaths => ["/mpms", "/mpms/", "/mpms/api/pools", "/mpms/dashboard.js", "/mpms/dashboard.css"];

    [Theory]
    [MemberData(nameof(DashboardPaths))]
    public async Task Dashboard_RemoteRequest_IsDeniedByDefault(string path)
    {
        await using WebApplication app = await StartAsync(remote: IPAddress.Parse("203.0.113.7"));

        using HttpResponseMessage response = await app.GetTestClient().GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    [InlineData("::1", HttpStatusCode.OK)]
    [InlineData("10.0.0.5", HttpStatusCode.OK)]
    [InlineData("10.0.0.6", HttpStatusCode.Unauthorized)]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    public async Task Dashboard_ByDefault_ServesOnlyRequestsFromTheMachineItself(string? remote, HttpStatusCode expected)
    {
        await using WebApplication app = await StartAsync(remote: remote is null ? null : IPAddress.Parse(remote));

        using HttpResponseMessage response = await app.GetTestClient().GetAsync(new Uri("/mpms/api/pools", UriKind.Relative));

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_LocalRequest_GetsThePageWithItsBaseAndTheJsonWithNoPool()
    {
        await using WebApplication app = await StartAsync(remote: IPAddress.Loopback);
        HttpClient client = app.GetTestClient();

        using HttpResponseMessage page = await client.GetAsync(new Uri("/mpms", UriKind.Relative));
        string html = await page.Content.ReadAsStringAsync();
        string json = await client.GetStringAsync(new Uri("/mpms/api/pools", UriKind.Relative));

        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<base href=\"/mpms/\">", html, StringComparison.Ordinal);
        Assert.Contains("data-poll-ms=\"2000\"", html, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("\"pools\":[]", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_AuthorizationHook_DecidesInsteadOfTheDefault()
    {
        var seen = new List<string>();
        await using WebApplication app = await StartAsync(
            remote: IPAddress.Parse("203.0.113.7"),
            configure: o => o.Authorization = [context =>
            {
                seen.Add(context.Request.Path);
                return ValueTask.FromResult(context.Request.Headers["X-Ops"] == "yes");
            }],
            authenticatedWhen: "X-User");
        HttpClient client = app.GetTestClient();

        using HttpResponseMessage allowed = await Send(client, ("X-Ops", "yes"));
        using HttpResponseMessage anonymous = await Send(client);
        using HttpResponseMessage authenticated = await Send(client, ("X-User", "someone"));

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden],
            new[] { allowed.StatusCode, anonymous.StatusCode, authenticated.StatusCode });
        Assert.Equal(["/mpms/api/pools", "/mpms/api/pools", "/mpms/api/pools"], seen);
    }

    [Fact]
    public async Task Dashboard_EveryCheck_MustAllow()
    {
        await using WebApplication app = await StartAsync(
            remote: IPAddress.Loopback,
            configure: o => o.Authorization = [MpmsDashboardAuthorization.LocalRequestsOnly, _ => ValueTask.FromResult(false)]);

        using HttpResponseMessage response = await Send(app.GetTestClient());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_EmptyAuthorization_LetsEveryRequestThrough()
    {
        await using WebApplication app = await StartAsync(remote: IPAddress.Parse("203.0.113.7"), configure: o => o.Authorization = []);

        using HttpResponseMessage response = await Send(app.GetTestClient());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task MapMpmsDashboard_RequireAuthorization_AppliesThePolicyToEveryDashboardEndpoint()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        await using WebApplication app = builder.Build();

        app.MapMpmsDashboard("/mpms").RequireAuthorization("ops");
        app.MapGet("/other", () => "other");

        RouteEndpoint[] endpoints = [.. ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()];
        RouteEndpoint[] dashboard = [.. endpoints.Where(e => e.RoutePattern.RawText!.StartsWith("/mpms", StringComparison.Ordinal))];
        Assert.Equal(4, dashboard.Length);
        Assert.All(dashboard, e => Assert.Equal("ops", e.Metadata.GetMetadata<IAuthorizeData>()?.Policy));
        Assert.Null(endpoints.Single(e => e.RoutePattern.RawText == "/other").Metadata.GetMetadata<IAuthorizeData>());
    }

    [Fact]
    public async Task Dashboard_NotMapped_ServesNothing()
    {
        await using WebApplication app = await StartAsync(remote: IPAddress.Loopback, map: false);

        using HttpResponseMessage response = await Send(app.GetTestClient());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void MapMpmsDashboard_InvalidPatternAndOptions_ThrowsNamingEveryProblem()
    {
        WebApplication app = WebApplication.CreateSlimBuilder().Build();
        var options = new MpmsDashboardOptions { PollInterval = TimeSpan.FromMilliseconds(10), Title = " " };

        ArgumentException error = Assert.Throws<ArgumentException>(() => app.MapMpmsDashboard("mpms", options));

        Assert.Equal("pattern", error.ParamName);
        Assert.Contains("pattern 'mpms' must be a literal path that starts with '/'", error.Message, StringComparison.Ordinal);
        Assert.Contains("MpmsDashboardOptions.PollInterval is 00:00:00.0100000 and must be at least 00:00:00.2500000", error.Message, StringComparison.Ordinal);
        Assert.Contains("MpmsDashboardOptions.Title must not be empty", error.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> Send(HttpClient client, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/mpms/api/pools");
        foreach ((string name, string value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Starts an application on a test server whose requests come from <paramref name="remote"/> to 10.0.0.5.</summary>
    private static async Task<WebApplication> StartAsync(IPAddress? remote, Action<MpmsDashboardOptions>? configure = null, string? authenticatedWhen = null, bool map = true)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        app.Use((context, next) =>
        {
            context.Connection.RemoteIpAddress = remote;
            context.Connection.LocalIpAddress = ServerAddress;
            if (authenticatedWhen is not null && context.Request.Headers.ContainsKey(authenticatedWhen))
            {
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "someone")], authenticationType: "Test"));
            }

            return next(context);
        });
        if (map)
        {
            var options = new MpmsDashboardOptions();
            configure?.Invoke(options);
            app.MapMpmsDashboard("/mpms", options);
        }

        await app.StartAsync();
        return app;
    }
}
