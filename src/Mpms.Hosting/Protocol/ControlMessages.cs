using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mpms.Hosting.Protocol;

/// <summary>The child's first frame: who it claims to be.</summary>
internal sealed record HelloMessage(string Secret, int ProcessId, int ProtocolVersion);

/// <summary>The parent's answer: everything the child must know about its pool, so the parent stays the one source of truth.</summary>
internal sealed record WorkerSettings
{
    public required string PoolName { get; init; }

    public required int ProcessNumber { get; init; }

    public required int ThreadsPerProcess { get; init; }

    public int Prefetch { get; init; }

    public int? MaxJobsPerThread { get; init; }

    public TimeSpan? ThreadLifetime { get; init; }

    public TimeSpan? JobTimeout { get; init; }

    public TimeSpan JobTimeoutGrace { get; init; }

    public string[] GracefulDieExceptions { get; init; } = [];

    public TimeSpan GracefulDieTimeout { get; init; }

    public TimeSpan HeartbeatInterval { get; init; }

    public int MaxMessageSize { get; init; }

    public bool ForwardLogs { get; init; }

    public long? MaxMemoryPerProcess { get; init; }

    /// <summary>Gets the least time between two progress frames of one job.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Gets the file the application made for this process's <see cref="StartMarks"/>, or <see langword="null"/> when it
    /// needs no start marks (without prefetch a job starts as it arrives).
    /// </summary>
    public string? StartMarksPath { get; init; }

    /// <summary>Gets the number of slots in <see cref="StartMarksPath"/>.</summary>
    public int StartMarkSlots { get; init; }
}

[JsonSourceGenerationOptions(RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(HelloMessage))]
[JsonSerializable(typeof(WorkerSettings))]
internal sealed partial class ProtocolJsonContext : JsonSerializerContext;

/// <summary>A control frame whose body is a JSON message (hello, welcome).</summary>
internal readonly struct JsonFrame<T>(FrameType type, T message) : IOutgoingFrame
{
    public void WriteTo(IBufferWriter<byte> output)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(message, typeof(T), ProtocolJsonContext.Default);
        json.CopyTo(FrameHeader.Begin(output, type, json.Length));
        FrameHeader.Commit(output, json.Length);
    }
}

/// <summary>Builds and reads the JSON control frames.</summary>
internal static class ControlMessages
{
    // Raised with every frame type or field the other side must know: 2 added Progress (16); 3 replaced the Started
    // frame (13, kept reserved) with the start marks a worker stores in a file both sides map.
    public const int ProtocolVersion = 3;

    public static JsonFrame<HelloMessage> Hello(HelloMessage hello) => new(FrameType.Hello, hello);

    public static JsonFrame<WorkerSettings> Welcome(WorkerSettings settings) => new(FrameType.Welcome, settings);

    public static T ReadJson<T>(in ReadOnlySequence<byte> body)
        where T : class
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            return JsonSerializer.Deserialize(ref reader, typeof(T), ProtocolJsonContext.Default) as T
                ?? throw new MpmsProtocolException($"Empty {typeof(T).Name}.");
        }
        catch (JsonException ex)
        {
            throw new MpmsProtocolException($"Invalid {typeof(T).Name}: {ex.Message}", ex);
        }
    }
}
