using System.Buffers;
using System.Text.Json;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// A job's own retry policy (<see cref="MpmsPutOptions.Retry"/>) as it travels in the job's message, so that the host
/// that runs the job applies it: a small JSON object in one header. Its predicate does not travel (puts with one are
/// refused), nor does the pool's policy, which is each consuming host's own.
/// </summary>
internal static class RetryHeader
{
    private const string MaxAttempts = "max";
    private const string Delay = "delayTicks";
    private const string Backoff = "backoff";
    private const string Jitter = "jitter";
    private const string MaxDelay = "maxDelayTicks";
    private const string Types = "types";

    /// <summary>The header's value: UTF-8 JSON, written by hand so that it needs no reflection.</summary>
    public static byte[] Write(MpmsRetryOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber(MaxAttempts, options.MaxAttempts);
            json.WriteNumber(Delay, options.Delay.Ticks);
            json.WriteNumber(Backoff, (int)options.BackoffType);
            json.WriteBoolean(Jitter, options.UseJitter);
            if (options.MaxDelay is { } maxDelay)
            {
                json.WriteNumber(MaxDelay, maxDelay.Ticks);
            }

            json.WriteStartArray(Types);
            foreach (string type in options.ExceptionTypes)
            {
                json.WriteStringValue(type);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads the header back; <see langword="null"/> when it is absent.</summary>
    /// <exception cref="FormatException">The header is there but is not a policy this version reads.</exception>
    public static MpmsRetryOptions? Read(byte[]? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(value);
            JsonElement root = document.RootElement;
            var options = new MpmsRetryOptions
            {
                MaxAttempts = root.GetProperty(MaxAttempts).GetInt32(),
                Delay = TimeSpan.FromTicks(root.GetProperty(Delay).GetInt64()),
                BackoffType = (MpmsBackoffType)root.GetProperty(Backoff).GetInt32(),
                UseJitter = root.GetProperty(Jitter).GetBoolean(),
                MaxDelay = root.TryGetProperty(MaxDelay, out JsonElement maxDelay) ? TimeSpan.FromTicks(maxDelay.GetInt64()) : null,
            };
            foreach (JsonElement type in root.GetProperty(Types).EnumerateArray())
            {
                options.ExceptionTypes.Add(type.GetString() ?? string.Empty);
            }

            // The putting host validated it; a policy that is not valid here came from elsewhere, and is not guessed at.
            List<string> errors = [];
            options.Validate(string.Empty, errors);
            return errors.Count == 0 ? options : throw new FormatException(string.Join(" ", errors));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new FormatException($"The job's retry policy cannot be read: {ex.Message}", ex);
        }
    }
}
