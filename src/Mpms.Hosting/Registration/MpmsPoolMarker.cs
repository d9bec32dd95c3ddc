namespace Mpms.Hosting.Registration;

/// <summary>Registered once per pool, so that <c>AddMpms</c> stays idempotent and pool names stay unique.</summary>
internal sealed record MpmsPoolMarker(string Name, PoolWiring Wiring);
