using System.Text.Json.Serialization;

namespace Mpms.Hosting.Dashboard.Internal;

/// <summary>
/// The JSON of the dashboard's data, generated at build time: camelCase names, enums as their names, and durations as
/// seconds (a number any tool reads, where TimeSpan's own text needs parsing).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(SecondsConverter)])]
[JsonSerializable(typeof(DashboardResponse))]
internal sealed partial class DashboardJsonContext : JsonSerializerContext;
