using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mpms.Hosting.HealthChecks;

/// <summary>
/// Writes a <see cref="HealthReport"/> as JSON: its status, its total duration, and every entry with its status,
/// description, duration, tags and data. For the health endpoint of ASP.NET Core, or anything else that answers with
/// a stream; it needs no ASP.NET Core reference and no reflection (trim- and AOT-safe).
/// </summary>
/// <example>
/// <code>
/// app.MapHealthChecks("/health", new HealthCheckOptions
/// {
///     ResponseWriter = (context, report) =>
///     {
///         context.Response.ContentType = MpmsHealthResponseWriter.ContentType;
///         return MpmsHealthResponseWriter.WriteAsync(context.Response.Body, report, context.RequestAborted);
///     },
/// });
/// </code>
/// The response reads:
/// <code>
/// {"status":"Degraded","totalDuration":"00:00:00.0004210","entries":{"mpms":{"status":"Degraded",
///  "description":"pool ThumbnailWorker: queue full now (42 waiting, capacity 42).","duration":"00:00:00.0001020",
///  "tags":[],"data":{"State":"Running","Health":"Healthy","ProcessesReady":4,"Queued":42,"QueueCapacity":42,…}}}}
/// </code>
/// </example>
public static class MpmsHealthResponseWriter
{
    /// <summary>The content type of what <see cref="WriteAsync"/> writes.</summary>
    public const string ContentType = "application/json; charset=utf-8";

    // Deeper values are written as text: the writer never follows a cycle in someone's data.
    private const int MaxDepth = 8;

    /// <summary>Writes <paramref name="report"/> to <paramref name="stream"/> as one JSON object, in UTF-8.</summary>
    /// <param name="stream">Where to write; it is written asynchronously only (ASP.NET Core refuses synchronous writes), and left open.</param>
    /// <param name="report">The report to write.</param>
    /// <param name="cancellationToken">Stops the writing.</param>
    /// <returns>A task that completes when the JSON is written and flushed.</returns>
    /// <remarks>
    /// Statuses are their names (<c>"Healthy"</c>, <c>"Degraded"</c>, <c>"Unhealthy"</c>); durations are
    /// <see cref="TimeSpan"/> strings (<c>"00:00:00.0123456"</c>). Data values keep their JSON kind: numbers, booleans,
    /// strings and <see langword="null"/> as such, times and dates as ISO 8601 strings, enums as their names, sequences as
    /// arrays, anything else as its invariant-culture text. An entry's exception is left out: its description says what
    /// failed without exposing internals on an endpoint that may be public.
    /// </remarks>
    public static async Task WriteAsync(Stream stream, HealthReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(report);

        // Written to memory first, then to the stream in one asynchronous write: a report is a few kilobytes, nothing
        // reaches the stream before the document is whole, and no disposal is left to flush synchronously.
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, report);
        }

        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Write(Utf8JsonWriter json, HealthReport report)
    {
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteString("totalDuration", report.TotalDuration.ToString("c", CultureInfo.InvariantCulture));
        json.WriteStartObject("entries");
        foreach ((string name, HealthReportEntry entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            json.WriteString("duration", entry.Duration.ToString("c", CultureInfo.InvariantCulture));
            json.WriteStartArray("tags");
            foreach (string tag in entry.Tags)
            {
                json.WriteStringValue(tag);
            }

            json.WriteEndArray();
            json.WriteStartObject("data");
            foreach ((string key, object value) in entry.Data)
            {
                json.WritePropertyName(key);
                WriteValue(json, value, depth: 0);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, object? value, int depth)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string text: json.WriteStringValue(text); break;
            case bool flag: json.WriteBooleanValue(flag); break;
            case int number: json.WriteNumberValue(number); break;
            case long number: json.WriteNumberValue(number); break;
            case uint number: json.WriteNumberValue(number); break;
            case ulong number: json.WriteNumberValue(number); break;
            case short number: json.WriteNumberValue(number); break;
            case ushort number: json.WriteNumberValue(number); break;
            case byte number: json.WriteNumberValue(number); break;
            case sbyte number: json.WriteNumberValue(number); break;
            case decimal number: json.WriteNumberValue(number); break;
            case double number when double.IsFinite(number): json.WriteNumberValue(number); break;
            case float number when float.IsFinite(number): json.WriteNumberValue(number); break;
            case TimeSpan span: json.WriteStringValue(span.ToString("c", CultureInfo.InvariantCulture)); break;
            case DateTimeOffset moment: json.WriteStringValue(moment); break;
            case DateTime moment: json.WriteStringValue(moment); break;
            case Guid id: json.WriteStringValue(id); break;
            case Enum choice: json.WriteStringValue(choice.ToString()); break;
            case IDictionary map when depth < MaxDepth:
                json.WriteStartObject();
                foreach (DictionaryEntry pair in map)
                {
                    json.WritePropertyName(Convert.ToString(pair.Key, CultureInfo.InvariantCulture) ?? "");
                    WriteValue(json, pair.Value, depth + 1);
                }

                json.WriteEndObject();
                break;
            case IEnumerable items when depth < MaxDepth:
                json.WriteStartArray();
                foreach (object? item in items)
                {
                    WriteValue(json, item, depth + 1);
                }

                json.WriteEndArray();
                break;
            case IFormattable formattable: json.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture)); break;
            default: json.WriteStringValue(value.ToString()); break;
        }
    }
}
