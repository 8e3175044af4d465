using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;

namespace OneMcp.Infrastructure.Mcp;

/// <summary>The SDK's own JSON contract for <typeparamref name="T"/> (its serializer context is internal to it).</summary>
public static class McpJson<T>
{
    public static readonly JsonTypeInfo<T> Info = (JsonTypeInfo<T>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T));
}
