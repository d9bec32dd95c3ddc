namespace Mpms.Hosting.Tests.Publishing;

/// <summary>
/// The tests that pack and build with the .NET SDK. They pack the same project, and each build takes both cores of
/// a small machine for a while, so they run one at a time and not beside other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PublishingCollection
{
    public const string Name = "Packing and building";
}
