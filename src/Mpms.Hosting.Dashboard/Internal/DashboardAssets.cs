using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Mpms.Hosting.Dashboard.Internal;

/// <summary>
/// The page's files, read once from the assembly. The page itself names its base path, title and refresh interval, so
/// that its relative links work under whatever path it is mapped and behind a path base.
/// </summary>
internal sealed class DashboardAssets(DashboardSettings settings)
{
    private static readonly byte[] Script = Read("dashboard.js");
    private static readonly byte[] Style = Read("dashboard.css");
    private static readonly string Page = Encoding.UTF8.GetString(Read("index.html"));

    private readonly string _title = WebUtility.HtmlEncode(settings.Title);
    private readonly string _pollMilliseconds = ((long)settings.PollInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    public Task WritePageAsync(HttpContext context)
    {
        // Links are relative to the page's own path with a trailing slash, whether it was asked for with one or not.
        string basePath = context.Request.PathBase.Add(context.Request.Path).Value?.TrimEnd('/') + "/";
        string page = Page
            .Replace("{{base}}", WebUtility.HtmlEncode(basePath), StringComparison.Ordinal)
            .Replace("{{title}}", _title, StringComparison.Ordinal)
            .Replace("{{pollMs}}", _pollMilliseconds, StringComparison.Ordinal);
        context.Response.Headers.CacheControl = "no-store";
        return Write(context, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(page));
    }

    public static Task WriteScriptAsync(HttpContext context) => Write(context, "text/javascript; charset=utf-8", Script);

    public static Task WriteStyleAsync(HttpContext context) => Write(context, "text/css; charset=utf-8", Style);

    private static Task Write(HttpContext context, string contentType, byte[] content)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = content.Length;
        return context.Response.Body.WriteAsync(content, context.RequestAborted).AsTask();
    }

    private static byte[] Read(string name)
    {
        using Stream stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream("Mpms.Hosting.Dashboard.Assets." + name)
            ?? throw new InvalidOperationException($"The dashboard's file '{name}' is missing from its assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
