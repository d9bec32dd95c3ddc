using System.Globalization;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Worker;

/// <summary>What a worker process is told when it is started: where to connect, the secret that proves it, and its number.</summary>
/// <param name="Endpoint">The path of the pool's Unix domain socket.</param>
/// <param name="Secret">The one-time secret of this start, for the hello.</param>
/// <param name="ProcessNumber">The process's number in its pool.</param>
/// <param name="ParentProcessId">The application's process id: the worker's parent, for as long as the application lives.</param>
internal sealed record WorkerStartup(string Endpoint, string Secret, int ProcessNumber, int ParentProcessId = 0)
{
    /// <summary>
    /// Reads the start-up variables and removes them, so that processes the worker starts do not inherit them, and the
    /// secret from standard input, where it leaves no copy behind.
    /// </summary>
    /// <exception cref="InvalidOperationException">A variable or the secret is missing: the process was not started by a pool.</exception>
    public static async Task<WorkerStartup> ReadAsync(Stream standardInput, CancellationToken cancellationToken)
    {
        string endpoint = TakeVariable(StartupVariables.Endpoint);
        int number = int.Parse(TakeVariable(StartupVariables.ProcessNumber), CultureInfo.InvariantCulture);
        int parent = int.Parse(TakeVariable(StartupVariables.ParentProcessId), CultureInfo.InvariantCulture);
        Environment.SetEnvironmentVariable(StartupVariables.Pool, null);
        string secret = await StartupSecret.ReceiveAsync(standardInput, cancellationToken).ConfigureAwait(false);
        return new WorkerStartup(endpoint, secret, number, parent);
    }

    /// <inheritdoc />
    public override string ToString() => $"process {ProcessNumber} at {Endpoint}"; // never the secret

    private static string TakeVariable(string name)
    {
        string value = Environment.GetEnvironmentVariable(name)
            ?? throw new InvalidOperationException($"The environment variable {name} is missing: this process was not started by an Mpms.Hosting pool.");
        Environment.SetEnvironmentVariable(name, null);
        return value;
    }
}
