namespace Mpms.Hosting.Dashboard.Tests;

/// <summary>The tests that start worker processes run one at a time: the machine's cores are shared.</summary>
[CollectionDefinition(Name)]
public sealed class WorkerProcessCollection
{
    public const string Name = "Worker processes";
}
