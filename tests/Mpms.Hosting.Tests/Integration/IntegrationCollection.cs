namespace Mpms.Hosting.Tests.Integration;

/// <summary>
/// The tests that start real worker processes. They run one class at a time, so that a 2-core machine is not asked
/// to start dozens of processes at once, and every one of them disposes its pool, which checks nothing is left.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IntegrationCollection
{
    public const string Name = "Worker processes";
}
