using System.Globalization;
using System.Text;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>The header names the hosts of a pool share, and reading them back (AMQP gives strings back as bytes).</summary>
internal static class Headers
{
    public const string IdHigh = "mpms-id-high";
    public const string Sequence = "mpms-seq";
    public const string Attempt = "mpms-attempt";
    public const string Started = "mpms-started";
    public const string TraceParent = "traceparent";
    public const string Kind = "mpms-kind";
    public const string ProcessId = "mpms-pid";
    public const string ProcessName = "mpms-process";
    public const string ThreadName = "mpms-thread";
    public const string RanForMs = "mpms-ran-ms";
    public const string ExitReason = "mpms-exit-reason";
    public const string ExitCode = "mpms-exit-code";
    public const string Signal = "mpms-signal";
    public const string StartedAt = "mpms-started-at";
    public const string Retry = "mpms-retry";
    public const string ReadyAt = "mpms-ready-at";

    public static long? Long(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out object? value) ? value switch
        {
            long l => l,
            int i => i,
            short s => s,
            byte b => b,
            byte[] bytes when long.TryParse(Encoding.UTF8.GetString(bytes), NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) => parsed,
            _ => null,
        } : null;

    public static byte[]? Bytes(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out object? value) ? value as byte[] : null;

    public static string? Text(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out object? value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            string s => s,
            _ => null,
        } : null;
}
