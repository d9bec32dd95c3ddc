using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Mpms.Hosting;

/// <summary>
/// The default serializer: System.Text.Json with its general defaults, or with the options you give, for example with
/// a source-generated <c>JsonSerializerContext</c> as the type-info resolver, which is faster and trim-safe. A trimmed
/// or native AOT application must give one for job and result types other than common primitives.
/// </summary>
/// <example>
/// <code>
/// [JsonSerializable(typeof(ThumbnailJob))] [JsonSerializable(typeof(Thumbnail))]
/// partial class AppJson : JsonSerializerContext;
///
/// services.AddMpms&lt;ThumbnailWorker&gt;().UseJsonSerializer(AppJson.Default.Options);                   // one pool
/// services.AddSingleton&lt;IMpmsSerializer&gt;(new MpmsJsonSerializer(AppJson.Default.Options));          // every pool
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
    /// <param name="options">
    /// The serializer options, used as given (with no type-info resolver, the default one is added); <see langword="null"/>
    /// for System.Text.Json's general defaults. The default resolver is reflection-based where the application allows
    /// reflection-based JSON (<see cref="JsonSerializer.IsReflectionEnabledByDefault"/>); in a trimmed or native AOT
    /// application, which turns that off, it knows only common primitive types: give such an application's job and
    /// result types through a source-generated <c>JsonSerializerContext</c>.
    /// </param>
    public MpmsJsonSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.General);
        if (!_options.IsReadOnly)
        {
            _options.TypeInfoResolver ??= DefaultResolver();
            _options.MakeReadOnly();
        }

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

    /// <summary>
    /// Throws when there is no JSON metadata for a pool's job or result type, so that an application without it (a
    /// trimmed one that gave no context for them) fails at start with the remedy named, not at every job.
    /// </summary>
    /// <exception cref="InvalidOperationException">The options' resolver does not know one of the types.</exception>
    internal void ThrowIfUnknown(string poolName, Type jobType, Type resultType)
    {
        foreach (Type type in (ReadOnlySpan<Type>)[jobType, resultType])
        {
            bool known;
            try
            {
                known = _options.TryGetTypeInfo(type, out _);
            }
            catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or ArgumentException)
            {
                // Known but not serialisable as it is: each job then fails with System.Text.Json's own reason, as before.
                known = true;
            }

            if (!known)
            {
                throw new InvalidOperationException(
                    $"Pool '{poolName}' cannot serialise its {(type == jobType ? "job" : "result")} type '{type.FullName}': System.Text.Json has no metadata for it" +
                    (JsonSerializer.IsReflectionEnabledByDefault
                        ? " in the serializer options given to this pool."
                        : ", and reflection-based JSON is off in this application (it is trimmed or native AOT).") +
                    $" Add [JsonSerializable(typeof({type.Name}))] to a JsonSerializerContext and give it to the pool: .UseJsonSerializer(MyJsonContext.Default.Options).");
            }
        }
    }

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)_options.GetTypeInfo(typeof(T));

    /// <summary>
    /// Reflection where the application allows it (the SDK turns it off in trimmed and native AOT applications, and the
    /// trimmer then removes the reflection branch); elsewhere the primitive types this library knows itself.
    /// </summary>
    private static IJsonTypeInfoResolver DefaultResolver() =>
        JsonSerializer.IsReflectionEnabledByDefault ? ReflectionResolver() : PrimitiveJsonContext.Default;

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Called only when JsonSerializer.IsReflectionEnabledByDefault: a trimmed application has turned it off, unless it asked for reflection-based JSON itself.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Called only when JsonSerializer.IsReflectionEnabledByDefault, which native AOT turns off.")]
    private static DefaultJsonTypeInfoResolver ReflectionResolver() => new();
}
