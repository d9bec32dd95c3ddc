using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Dashboard.Internal;

/// <summary>
/// The dashboard's endpoints under one route group: the page, its script and style, and the JSON of every pool. Each
/// asks the dashboard's authorization checks first.
/// </summary>
internal static class DashboardEndpoints
{
    public static IEndpointConventionBuilder Map(IEndpointRouteBuilder endpoints, DashboardSettings settings)
    {
        ILogger logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Mpms.Hosting.Dashboard");
        var assets = new DashboardAssets(settings);
        RouteGroupBuilder group = endpoints.MapGroup(settings.Pattern.Length == 0 ? "/" : settings.Pattern);

        // One endpoint for the page: routing matches it with and without the trailing slash.
        group.MapGet("", Guard(settings, logger, assets.WritePageAsync)).ExcludeFromDescription();

        group.MapGet("/dashboard.js", Guard(settings, logger, DashboardAssets.WriteScriptAsync)).ExcludeFromDescription();
        group.MapGet("/dashboard.css", Guard(settings, logger, DashboardAssets.WriteStyleAsync)).ExcludeFromDescription();
        group.MapGet("/api/pools", Guard(settings, logger, WritePoolsAsync)).ExcludeFromDescription();
        return group;
    }

    /// <summary>Writes every pool's details as JSON (the shape is documented in docs/operations.md).</summary>
    private static async Task WritePoolsAsync(HttpContext context)
    {
        IMpmsPool[] pools = [.. context.RequestServices.GetServices<IMpmsPool>()];
        var details = new MpmsPoolDetails[pools.Length];
        for (int i = 0; i < pools.Length; i++)
        {
            details[i] = pools[i].GetDetails();
        }

        TimeProvider clock = context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        var response = new DashboardResponse(clock.GetUtcNow(), details);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "application/json; charset=utf-8";
        await System.Text.Json.JsonSerializer.SerializeAsync(context.Response.Body, response, DashboardJsonContext.Default.DashboardResponse, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="handler"/> when every authorization check allows the request; answers 401 or 403 otherwise.</summary>
    private static RequestDelegate Guard(DashboardSettings settings, ILogger logger, RequestDelegate handler) => async context =>
    {
        foreach (Func<HttpContext, ValueTask<bool>> check in settings.Authorization)
        {
            if (!await check(context).ConfigureAwait(false))
            {
                bool authenticated = context.User.Identity?.IsAuthenticated == true;
                DashboardLog.RequestDenied(logger, context.Request.Path, context.Connection.RemoteIpAddress, authenticated);
                context.Response.StatusCode = authenticated ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
                return;
            }
        }

        // The page shows what the application's logs would: no other site may frame it, and the browser runs only its own files.
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.XFrameOptions = "DENY";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'self'";
        await handler(context).ConfigureAwait(false);
    };
}
