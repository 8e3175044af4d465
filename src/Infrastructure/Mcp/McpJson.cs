using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace OneMcp.Infrastructure.Mcp;

/// <summary>
/// The SDK's JSON contract (its serializer context is internal to it), with the gateway's converters for the parts of
/// a forwarded call that are nested one level deeper than the call itself: a call's arguments and a result's content.
/// They read and write the same JSON as the SDK. What they save is System.Text.Json's frame array: it allocates one
/// for every (de)serialisation that enters a nested dictionary or list, which the forwarded calls did four times each.
/// </summary>
public static class McpJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(McpJsonUtilities.DefaultOptions);
        options.Converters.Insert(0, new JsonArgumentsConverter());
        options.Converters.Insert(0, new ValueListConverter<ContentBlock>());
        options.Converters.Insert(0, new ValueListConverter<ResourceContents>());
        options.MakeReadOnly();
        return options;
    }
}

/// <summary>The gateway's JSON contract for <typeparamref name="T"/> (<see cref="McpJson.Options"/>).</summary>
public static class McpJson<T>
{
    public static readonly JsonTypeInfo<T> Info = (JsonTypeInfo<T>)McpJson.Options.GetTypeInfo(typeof(T));
}
