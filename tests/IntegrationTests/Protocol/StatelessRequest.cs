using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// One 2026-07-28 request written by hand, as the revision puts it on the wire: the <c>MCP-Protocol-Version</c>,
/// <c>Mcp-Method</c> and (for named requests) <c>Mcp-Name</c> headers, and the caller's revision, capabilities and
/// identity in <c>_meta</c>. No session id, no initialize.
/// </summary>
internal static class StatelessRequest
{
    public const string Revision = "2026-07-28";

    public static async Task<(HttpStatusCode Status, JsonElement Message)> SendAsync(
        Uri url, string method, JsonObject? parameters = null, string? nameHeader = null, string? token = null, JsonObject? capabilities = null,
        string? logLevel = null, bool chunked = false)
    {
        parameters ??= [];
        parameters["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Revision,
            ["io.modelcontextprotocol/clientCapabilities"] = capabilities ?? new JsonObject(),
            ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "protocol-tests", ["version"] = "1.0" },
        };
        if (logLevel is not null)
        {
            parameters["_meta"]!["io.modelcontextprotocol/logLevel"] = logLevel;
        }
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 7, ["method"] = method, ["params"] = parameters };

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        // Chunked: a body of unknown size (no Content-Length), as a streaming client sends it.
        request.Headers.TransferEncodingChunked = chunked;
        request.Headers.Add("MCP-Protocol-Version", Revision);
        request.Headers.Add("Mcp-Method", method);
        if (nameHeader is not null)
        {
            request.Headers.Add("Mcp-Name", nameHeader);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request);
        response.Headers.Contains("Mcp-Session-Id").ShouldBeFalse("a 2026-07-28 request never gets a session");
        var text = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            // The answer is the stream's message with the request's id (progress or logs may come before it).
            text = text.Split('\n')
                .Where(l => l.StartsWith("data:", StringComparison.Ordinal))
                .Select(l => l["data:".Length..].Trim())
                .Last(l => l.Contains("\"id\":7", StringComparison.Ordinal));
        }

        using var document = JsonDocument.Parse(text);
        return (response.StatusCode, document.RootElement.Clone());
    }
}
