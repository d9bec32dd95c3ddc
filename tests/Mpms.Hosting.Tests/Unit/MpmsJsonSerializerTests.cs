using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Tests.Unit.Serialization;

public sealed class MpmsJsonSerializerTests
{
    private readonly MpmsJsonSerializer _serializer = new();

    [Fact]
    public void RoundTrip_NestedRecord_GivesAnEqualValue()
    {
        var order = new Order(
            "A-1",
            new Customer("Zo\u00eb \u5f20", null),
            [new Line("pen", 2, 1.5m), new Line("ink \ud83d\udd8b", 1, 7m)],
            new Dictionary<string, int> { ["priority"] = 3 },
            TimeSpan.FromMinutes(5),
            new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)));

        Order copy = RoundTrip(order);

        Assert.Equal(order.Id, copy.Id);
        Assert.Equal(order.Customer, copy.Customer);
        Assert.Equal(order.Lines, copy.Lines);
        Assert.Equal(order.Tags, copy.Tags);
        Assert.Equal((order.Window, order.PlacedAt), (copy.Window, copy.PlacedAt));
    }

    [Fact]
    public void RoundTrip_NullValue_GivesNull()
    {
        Assert.Null(RoundTrip<Customer?>(null));
        Assert.Null(RoundTrip<string?>(null));
        Assert.Null(RoundTrip<int?>(null));
    }

    [Fact]
    public void RoundTrip_NullMembers_StayNull()
    {
        Customer copy = RoundTrip(new Customer("x", null));

        Assert.Null(copy.Email);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void RoundTrip_Primitive_GivesTheValue(int value) => Assert.Equal(value, RoundTrip(value));

    [Fact]
    public void RoundTrip_LargeValue_SpansManyBufferSegments()
    {
        string text = string.Concat(Enumerable.Repeat("0123456789\u00e9", 20_000));

        Assert.Equal(text, RoundTrip(text));
    }

    [Fact]
    public void Serialize_DeclaredType_WritesItsMembers()
    {
        using var buffer = new PooledBufferWriter();

        _serializer.Serialize(new Line("pen", 2, 1.5m), buffer);

        Assert.Equal("{\"Product\":\"pen\",\"Quantity\":2,\"Price\":1.5}", Encoding.UTF8.GetString(buffer.WrittenMemory.Span));
    }

    [Fact]
    public void Serialize_TypeItCannotHandle_Throws()
    {
        using var buffer = new PooledBufferWriter();

        Assert.Throws<NotSupportedException>(() => _serializer.Serialize(new WithType(typeof(string)), buffer));
    }

    [Fact]
    public void Serialize_ObjectCycle_Throws()
    {
        using var buffer = new PooledBufferWriter();
        var node = new Node();
        node.Next = node;

        Assert.Throws<JsonException>(() => _serializer.Serialize(node, buffer));
    }

    [Fact]
    public void Serialize_AfterAFailure_StillWorksOnTheSameThread()
    {
        using var failed = new PooledBufferWriter();
        Assert.ThrowsAny<Exception>(() => _serializer.Serialize(new WithType(typeof(string)), failed));

        Assert.Equal(new Line("a", 1, 1m), RoundTrip(new Line("a", 1, 1m)));
    }

    [Fact]
    public void Deserialize_InvalidJson_Throws()
    {
        Assert.Throws<JsonException>(() => _serializer.Deserialize<Line>("{\"Product\":"u8));
        Assert.Throws<JsonException>(() => _serializer.Deserialize<int>("\"not a number\""u8));
    }

    [Fact]
    public void Deserialize_PolymorphicHint_DoesNotCreateTheNamedType()
    {
        // Only the asked type is created: a "$type" in the data is an unknown member, nothing more.
        object? value = _serializer.Deserialize<object>("{\"$type\":\"System.IO.FileInfo\",\"fileName\":\"x\"}"u8);

        Assert.IsType<JsonElement>(value);
    }

    [Fact]
    public void Serialize_OptionsWithARelaxedEncoder_UsesThatEncoder()
    {
        var serializer = new MpmsJsonSerializer(new JsonSerializerOptions
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        });
        using var buffer = new PooledBufferWriter();

        serializer.Serialize("caf\u00e9 <b>", buffer);

        Assert.Equal("\"caf\u00e9 <b>\"", Encoding.UTF8.GetString(buffer.WrittenMemory.Span));
    }

    [Fact]
    public void Serialize_OptionsWithCamelCase_UsesThem()
    {
        var serializer = new MpmsJsonSerializer(new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() });
        using var buffer = new PooledBufferWriter();

        serializer.Serialize(new Line("pen", 2, 1.5m), buffer);

        Assert.Equal("{\"product\":\"pen\",\"quantity\":2,\"price\":1.5}", Encoding.UTF8.GetString(buffer.WrittenMemory.Span));
    }

    [Fact]
    public void Constructor_OptionsWithoutAResolver_GetsTheDefaultOneAndIsUsedAsGiven()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        var serializer = new MpmsJsonSerializer(options);
        using var buffer = new PooledBufferWriter();
        serializer.Serialize(new Line("pen", 2, 1.5m), buffer);

        Assert.True(options.IsReadOnly);
        Assert.NotNull(options.TypeInfoResolver);
        Assert.Equal("{\"product\":\"pen\",\"quantity\":2,\"price\":1.5}", Encoding.UTF8.GetString(buffer.WrittenMemory.Span));
    }

    [Fact]
    public void RoundTrip_GeneratedContextOnly_NeedsNoReflection()
    {
        var serializer = new MpmsJsonSerializer(LineJson.Default.Options);
        using var buffer = new PooledBufferWriter();

        serializer.Serialize(new Line("pen", 2, 1.5m), buffer);

        Assert.Equal(new Line("pen", 2, 1.5m), serializer.Deserialize<Line>(buffer.WrittenMemory.Span));
        Assert.Throws<NotSupportedException>(() => serializer.Serialize(new Customer("x", null), buffer));
    }

    [Theory]
    [InlineData(42)]
    [InlineData("text")]
    [InlineData(true)]
    public void PrimitiveContext_KnowsTheCommonPrimitives_WithoutReflection(object value)
    {
        // What the default resolver is where reflection-based JSON is off (a trimmed or native AOT application).
        var serializer = new MpmsJsonSerializer(new JsonSerializerOptions { TypeInfoResolver = PrimitiveJsonContext.Default });
        using var buffer = new PooledBufferWriter();

        object? copy = value switch
        {
            int i => Serialized(serializer, i, buffer),
            string t => Serialized(serializer, t, buffer),
            bool b => Serialized(serializer, b, buffer),
            _ => throw new ArgumentOutOfRangeException(nameof(value)),
        };

        Assert.Equal(value, copy);
        Assert.Throws<NotSupportedException>(() => serializer.Serialize(new Line("pen", 2, 1.5m), buffer));
    }

    private static T Serialized<T>(MpmsJsonSerializer serializer, T value, PooledBufferWriter buffer)
    {
        buffer.Clear();
        serializer.Serialize(value, buffer);
        return serializer.Deserialize<T>(buffer.WrittenMemory.Span);
    }

    private T RoundTrip<T>(T value)
    {
        using var buffer = new PooledBufferWriter();
        _serializer.Serialize(value, buffer);
        return _serializer.Deserialize<T>(buffer.WrittenMemory.Span);
    }

    public sealed record Customer(string Name, string? Email);

    public sealed record Line(string Product, int Quantity, decimal Price);

    public sealed record Order(string Id, Customer Customer, List<Line> Lines, Dictionary<string, int> Tags, TimeSpan Window, DateTimeOffset PlacedAt);

    public sealed record WithType(Type Kind);

    public sealed class Node
    {
        public Node? Next { get; set; }
    }
}

[JsonSerializable(typeof(MpmsJsonSerializerTests.Line))]
internal sealed partial class LineJson : JsonSerializerContext;
