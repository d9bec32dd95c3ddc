using System.Net;
using Microsoft.AspNetCore.Http;

namespace Mpms.Hosting.Dashboard;

/// <summary>Ready-made checks for <see cref="MpmsDashboardOptions.Authorization"/>.</summary>
public static class MpmsDashboardAuthorization
{
    /// <summary>
    /// Allows requests from the machine itself only: from a loopback address, or from the address the request came in
    /// on. A request whose remote address is unknown is denied.
    /// </summary>
    /// <remarks>
    /// Behind a reverse proxy on the same machine every request looks local unless the forwarded headers middleware
    /// sets the client's address first; put an authorization policy in front of the dashboard there.
    /// </remarks>
    public static Func<HttpContext, ValueTask<bool>> LocalRequestsOnly { get; } = static context => ValueTask.FromResult(IsLocal(context.Connection));

    private static bool IsLocal(ConnectionInfo connection) => connection.RemoteIpAddress switch
    {
        null => false,
        IPAddress remote when IPAddress.IsLoopback(remote) => true,
        IPAddress remote => connection.LocalIpAddress is IPAddress local && remote.Equals(local),
    };
}
