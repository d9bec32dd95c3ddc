using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Mpms.Hosting.Serialization;

/// <summary>
/// The default serializer: System.Text.Json with the web-independent defaults, or with options you give (for
/// example with a source-generated <c>JsonSerializerContext</c> as the type-info resolver).
/// </summary>
internal sealed class JsonMpmsSerializer : IMpmsSerializer
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly JsonSerializerOptions _options;

    public JsonMpmsSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        _options.MakeReadOnly(populateMissingResolver: true);
    }

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

    public T Deserialize<T>(ReadOnlySpan<byte> source) => JsonSerializer.Deserialize(source, TypeInfo<T>())!;

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));
}
