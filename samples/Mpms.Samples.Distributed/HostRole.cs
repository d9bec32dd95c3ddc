namespace Mpms.Samples.Distributed;

/// <summary>What a host of the sample does besides draining the shared queue (the <c>Role</c> setting).</summary>
public enum HostRole
{
    /// <summary>Only drains: its worker processes run jobs that any host put. It serves /health only.</summary>
    Consumer,

    /// <summary>Drains too, and takes jobs over HTTP and puts them on the shared queue.</summary>
    Api,
}
