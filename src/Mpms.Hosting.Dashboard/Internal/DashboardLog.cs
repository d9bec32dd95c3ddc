using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Dashboard.Internal;

/// <summary>The dashboard's log messages (event ids 3100–3149).</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 3100, EventName = "DashboardRequestDenied", Level = LogLevel.Debug,
        Message = "Mpms dashboard request to {Path} from {RemoteAddress} denied by its authorization (authenticated: {Authenticated})")]
    public static partial void RequestDenied(ILogger logger, PathString path, IPAddress? remoteAddress, bool authenticated);
}
