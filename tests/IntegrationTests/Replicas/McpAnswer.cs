using System.Net;
using System.Text.Json.Nodes;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>An MCP request's HTTP status, its JSON-RPC answer (null when there was none) and the raw body.</summary>
internal sealed record McpAnswer(HttpStatusCode Status, JsonNode? Message, string Text)
{
    /// <summary>A tools/call that succeeded: 200, a result, not a tool error.</summary>
    public bool IsToolSuccess =>
        Status == HttpStatusCode.OK && Message?["result"] is JsonObject result && result["isError"]?.GetValue<bool>() != true;

    /// <summary>The text of the result's first content block.</summary>
    public string? FirstText => Message?["result"]?["content"]?[0]?["text"]?.GetValue<string>();
}
