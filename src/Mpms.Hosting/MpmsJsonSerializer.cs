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
    // One writer per thread, for the serializer that used it last: reset onto each destination, serialising a small
    // job allocates nothing. Several serializers on one thread just make new writers when they take turns.
    [ThreadStatic]
    private static (MpmsJsonSerializer Owner, Utf8JsonWriter Writer)? t_writer;

    private readonly JsonSerializerOptions _options;
    private readonly JsonWriterOptions _writerOptions;

    /// <summary>Initializes a new instance of the <see cref="MpmsJsonSerializer"/> class.</summary>
    /// <param name="options">The serializer options; <see langword="null"/> for System.Text.Json's general defaults with reflection-based metadata.</param>
    public MpmsJsonSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        _options.MakeReadOnly(populateMissingResolver: true);
        _writerOptions = new JsonWriterOptions
        {
            Encoder = _options.Encoder,
            Indented = _options.WriteIndented,
            MaxDepth = _options.MaxDepth,
        };
    }

    /// <inheritdoc />
    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        Utf8JsonWriter writer;
        if (t_writer is { } cached && ReferenceEquals(cached.Owner, this))
        {
            writer = cached.Writer;
        }
        else
        {
            writer = new Utf8JsonWriter(destination, _writerOptions);
            t_writer = (this, writer);
        }

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
