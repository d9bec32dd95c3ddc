using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Mpms.Hosting;

/// <summary>
/// The default serializer: System.Text.Json with its general defaults, or with the options you give, for example with
/// a source-generated <c>JsonSerializerContext</c> as the type-info resolver, which is faster and trim-safe.
/// </summary>
/// <example>
/// <code>
/// [JsonSerializable(typeof(ThumbnailJob))] [JsonSerializable(typeof(Thumbnail))]
/// partial class AppJson : JsonSerializerContext;
///
/// services.AddSingleton&lt;IMpmsSerializer&gt;(new MpmsJsonSerializer(new JsonSerializerOptions { TypeInfoResolver = AppJson.Default }));
/// </code>
/// </example>
public sealed class MpmsJsonSerializer : IMpmsSerializer
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly JsonSerializerOptions _options;

    /// <summary>Initializes a new instance of the <see cref="MpmsJsonSerializer"/> class.</summary>
    /// <param name="options">The serializer options; <see langword="null"/> for System.Text.Json's general defaults with reflection-based metadata.</param>
    public MpmsJsonSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        _options.MakeReadOnly(populateMissingResolver: true);
    }

    /// <inheritdoc />
    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        // One writer per thread, reset onto each destination: serialising a small job allocates nothing.
        Utf8JsonWriter writer = t_writer ??= new Utf8JsonWriter(destination);
        writer.Reset(destination);
        try
        {
            JsonSerializer.Serialize(writer, value, TypeInfo<T>());
            writer.Flush();
        }
        finally
        {
            writer.Reset();
        }
    }

    /// <inheritdoc />
    public T Deserialize<T>(ReadOnlySpan<byte> source) => JsonSerializer.Deserialize(source, TypeInfo<T>())!;

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));
}
