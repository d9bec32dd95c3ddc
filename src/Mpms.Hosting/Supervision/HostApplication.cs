namespace Mpms.Hosting.Supervision;

/// <summary>
/// The application a pool belongs to, as its host describes it (<c>IHostEnvironment</c>): which assembly it is, and the
/// environment and content root a worker started from that assembly needs to be the same application.
/// </summary>
/// <param name="Name">The application's name: its entry assembly's name, or what a test host set (<c>WebApplicationFactory&lt;TEntryPoint&gt;</c> sets <c>TEntryPoint</c>'s assembly).</param>
/// <param name="EnvironmentName">The host's environment (Production, Development, …).</param>
/// <param name="ContentRootPath">The host's content root.</param>
internal sealed record HostApplication(string? Name, string? EnvironmentName, string? ContentRootPath)
{
    /// <summary>Gets an application the pool knows nothing of: it starts the running program again.</summary>
    public static HostApplication Unknown { get; } = new(null, null, null);
}
