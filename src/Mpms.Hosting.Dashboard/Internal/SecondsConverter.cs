using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mpms.Hosting.Dashboard.Internal;

/// <summary>Writes a <see cref="TimeSpan"/> as its seconds, with millisecond precision, and reads it back.</summary>
internal sealed class SecondsConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeSpan.FromSeconds(reader.GetDouble());

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteRawValue(Math.Round(value.TotalSeconds, 3).ToString("0.###", CultureInfo.InvariantCulture), skipInputValidation: true);
}
