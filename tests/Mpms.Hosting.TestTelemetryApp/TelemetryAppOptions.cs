namespace Mpms.Hosting.TestTelemetryApp;

/// <summary>What the test gives the app (section <c>Telemetry</c>); the worker processes read the same arguments.</summary>
public sealed class TelemetryAppOptions
{
    /// <summary>Where each process writes what its exporters held, and where hosted services leave their marks.</summary>
    public string? Directory { get; set; }

    /// <summary>How many jobs the application runs, each in a trace of its own.</summary>
    public int Jobs { get; set; } = 9;
}
