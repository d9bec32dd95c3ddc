namespace Mpms.Hosting.Supervision;

/// <summary>
/// The variables every worker process gets unless told otherwise: settings that suit a process which only takes
/// jobs. A variable the application itself was started with is inherited as it is, and
/// <see cref="MpmsOptions.WorkerEnvironment"/> overrides both (an empty value there removes the variable).
/// </summary>
internal static class WorkerEnvironmentDefaults
{
    /// <summary>
    /// Turns off the Generic Host's reloading of configuration files: a worker rarely needs to see its appsettings
    /// change before it is replaced, and each process that watches them holds an inotify instance, a per-user limit.
    /// </summary>
    public const string ReloadConfigOnChange = "DOTNET_hostBuilder__reloadConfigOnChange";

    /// <summary>Gets the defaults, by variable name.</summary>
    public static IReadOnlyDictionary<string, string> Variables { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ReloadConfigOnChange] = "false",
    };

    /// <summary>
    /// Completes a worker's environment, which starts as a copy of the application's: adds the defaults it lacks, then
    /// the pool's <paramref name="configured"/> variables, removing those configured empty.
    /// </summary>
    public static void Apply(IDictionary<string, string?> environment, IDictionary<string, string> configured)
    {
        foreach ((string name, string value) in Variables)
        {
            environment.TryAdd(name, value);
        }

        foreach ((string name, string value) in configured)
        {
            if (value.Length == 0)
            {
                environment.Remove(name);
            }
            else
            {
                environment[name] = value;
            }
        }
    }
}
