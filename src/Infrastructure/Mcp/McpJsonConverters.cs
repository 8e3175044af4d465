using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneMcp.Infrastructure.Mcp;

/// <summary>
/// A call's arguments (<c>IDictionary&lt;string, JsonElement&gt;</c>), as System.Text.Json reads and writes them: an
/// object whose values stay raw JSON, the last of a repeated name winning. Read as one JSON value, so that all the
/// arguments share one parsed document instead of one document each.
/// </summary>
internal sealed class JsonArgumentsConverter : JsonConverter<IDictionary<string, JsonElement>>
{
    public override IDictionary<string, JsonElement> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected a JSON object of arguments, not {reader.TokenType}.");
        }

        var arguments = JsonElement.ParseValue(ref reader);
        var read = new Dictionary<string, JsonElement>();
        foreach (var argument in arguments.EnumerateObject())
        {
            read[argument.Name] = argument.Value;
        }

        return read;
    }

    public override void Write(Utf8JsonWriter writer, IDictionary<string, JsonElement> value, JsonSerializerOptions options)
    {
        var policy = options.DictionaryKeyPolicy;
        writer.WriteStartObject();
        if (value is Dictionary<string, JsonElement> read)
        {
            // What Read makes, and so nearly every call's arguments: enumerated without an enumerator object.
            foreach (var (name, argument) in read)
            {
                WriteArgument(writer, policy, name, argument);
            }
        }
        else
        {
            foreach (var (name, argument) in value)
            {
                WriteArgument(writer, policy, name, argument);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteArgument(Utf8JsonWriter writer, JsonNamingPolicy? policy, string name, JsonElement argument)
    {
        writer.WritePropertyName(policy is null ? name : policy.ConvertName(name));
        argument.WriteTo(writer);
    }
}

/// <summary>
/// A list (<c>IList&lt;T&gt;</c>) of values that have a converter of their own (a result's content blocks, a resource's
/// contents): each item goes through that converter, as System.Text.Json's own list handling would send it.
/// </summary>
internal sealed class ValueListConverter<T> : JsonConverter<IList<T>>
    where T : class
{
    private JsonConverter<T>? _item;

    public override IList<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"Expected a JSON array of {typeof(T).Name} values, not {reader.TokenType}.");
        }

        var item = ItemConverter(options);
        var list = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(reader.TokenType == JsonTokenType.Null ? null! : item.Read(ref reader, typeof(T), options)!);
        }

        return list;
    }

    public override void Write(Utf8JsonWriter writer, IList<T> value, JsonSerializerOptions options)
    {
        var item = ItemConverter(options);
        writer.WriteStartArray();

        // By index: an IList's enumerator would be one more object per write.
        for (var i = 0; i < value.Count; i++)
        {
            var each = value[i];
            if (each is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                item.Write(writer, each, options);
            }
        }

        writer.WriteEndArray();
    }

    // The options are the gateway's one read-only instance; the converter is looked up once.
    private JsonConverter<T> ItemConverter(JsonSerializerOptions options) =>
        _item ??= (JsonConverter<T>)options.GetTypeInfo(typeof(T)).Converter;
}
