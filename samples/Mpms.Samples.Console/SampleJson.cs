using System.Text.Json.Serialization;

namespace Mpms.Samples.Console;

/// <summary>
/// JSON metadata for the demo's job and result types, generated at build time: what a trimmed or native AOT application
/// needs, since those turn reflection-based JSON off. The seed's pool (<c>int</c> to <c>int</c>) needs none.
/// </summary>
[JsonSerializable(typeof(SquareJob))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(EchoJob))]
[JsonSerializable(typeof(string))]
internal sealed partial class SampleJson : JsonSerializerContext;
