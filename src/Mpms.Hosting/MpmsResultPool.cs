namespace Mpms.Hosting;

/// <summary>What every outcome of one pool shares: its name and <see cref="MpmsOptions.Meta"/>; one reference per outcome instead of two.</summary>
internal sealed class MpmsResultPool(string name, IReadOnlyDictionary<string, string> meta)
{
    public string Name { get; } = name;

    public IReadOnlyDictionary<string, string> Meta { get; } = meta;
}
