using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// A log event on the wire: category, level, event id and name, message, template, the exception as text, and the
/// structured properties with their JSON types (string, number, boolean, null) kept.
/// </summary>
internal sealed record LogFrame(
    string Category,
    LogLevel Level,
    int EventId,
    string? EventName,
    string Message,
    WireError? Exception,
    IReadOnlyList<KeyValuePair<string, object?>> Properties) : IOutgoingFrame
{
    /// <summary>The longest text (message, exception part, property value) a log frame carries; longer is cut.</summary>
    private const int MaxTextChars = 16 * 1024;

    /// <summary>The largest log frame body: well inside what the application's reader accepts beyond MaxMessageSize.</summary>
    private const int MaxBodyBytes = 512 * 1024;

    /// <summary>Writes the frame, its texts cut to size (see <see cref="Encode"/>).</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        byte[] body = Encode();
        body.CopyTo(FrameHeader.Begin(output, FrameType.Log, body.Length));
        FrameHeader.Commit(output, body.Length);
    }

    /// <summary>Encodes the event, its texts cut to size; an event still too large (a great many properties) loses its properties.</summary>
    public byte[] Encode()
    {
        LogFrame frame = this with
        {
            Message = WireError.Cut(Message, MaxTextChars),
            Exception = Exception?.Truncate(MaxTextChars),
            Properties = [.. Properties.Select(static p => p.Value is string text ? new KeyValuePair<string, object?>(p.Key, WireError.Cut(text, MaxTextChars)) : p)],
        };
        byte[] body = frame.EncodeAsIs();
        return body.Length <= MaxBodyBytes ? body : (frame with { Properties = [] }).EncodeAsIs();
    }

    private byte[] EncodeAsIs()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("c", Category);
            writer.WriteNumber("l", (int)Level);
            writer.WriteNumber("i", EventId);
            writer.WriteString("n", EventName);
            writer.WriteString("m", Message);
            if (Exception is not null)
            {
                writer.WriteStartArray("x");
                writer.WriteStringValue(Exception.Type);
                writer.WriteStringValue(Exception.Message);
                writer.WriteStringValue(Exception.StackTrace);
                writer.WriteStringValue(Exception.Details);
                writer.WriteEndArray();
            }

            writer.WriteStartObject("p");
            foreach (KeyValuePair<string, object?> property in Properties)
            {
                writer.WritePropertyName(property.Key);
                WriteValue(writer, property.Value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static LogFrame Read(in ReadOnlySequence<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            WireError? exception = null;
            if (root.TryGetProperty("x", out JsonElement x) && x.ValueKind == JsonValueKind.Array && x.GetArrayLength() == 4)
            {
                exception = new WireError(x[0].GetString() ?? "", x[1].GetString() ?? "", x[2].GetString(), x[3].GetString());
            }

            var properties = new List<KeyValuePair<string, object?>>();
            if (root.TryGetProperty("p", out JsonElement p) && p.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in p.EnumerateObject())
                {
                    properties.Add(new(property.Name, ReadValue(property.Value)));
                }
            }

            int level = root.GetProperty("l").GetInt32();
            if (level is < 0 or > (int)LogLevel.None)
            {
                throw new MpmsProtocolException($"Unknown log level {level}.");
            }

            return new LogFrame(
                root.GetProperty("c").GetString() ?? "",
                (LogLevel)level,
                root.GetProperty("i").GetInt32(),
                root.GetProperty("n").GetString(),
                root.GetProperty("m").GetString() ?? "",
                exception,
                properties);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new MpmsProtocolException($"Invalid log frame: {ex.Message}", ex);
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case byte or sbyte or short or ushort or int or uint or long:
                writer.WriteNumberValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case float or double or decimal:
                // JSON has no NaN or infinity: those travel as their names, like any other value JSON cannot hold.
                double number = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                if (double.IsFinite(number))
                {
                    writer.WriteNumberValue(number);
                }
                else
                {
                    writer.WriteStringValue(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }

    private static object? ReadValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out long whole) ? whole : (object)value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
