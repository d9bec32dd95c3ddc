namespace Mpms.Hosting.Worker;

/// <summary>
/// One choice of the application's hosted services that a pool's worker processes start, registered through the pool's
/// builder (keyed by the pool's name) and read in the worker.
/// </summary>
/// <param name="Description">What was chosen, for the warning when it matches no registration.</param>
/// <param name="Matches">Whether a hosted service whose implementation is of the given type is chosen.</param>
internal sealed record HostedServiceChoice(string Description, Func<Type, bool> Matches);
