using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mpms.Hosting;

/// <summary>
/// JSON metadata, generated at build time, for the job and result types that need no context of the application's own:
/// a pool of <c>int</c> to <c>int</c> works in a trimmed or native AOT application as it is.
/// </summary>
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(byte[]))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(DateTime))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class PrimitiveJsonContext : JsonSerializerContext;
