using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Replicas;

/// <summary>
/// MCP over plain HTTP with a bearer token, as a client of the cluster writes it: 2026-07-28 requests (self-contained,
/// no session) and legacy sessions (<c>initialize</c>, then <c>Mcp-Session-Id</c>), sent to any address: HAProxy or one
/// replica directly. One connection pool per client; errors are returned, not thrown, except connection failures.
/// </summary>
internal sealed class ReplicaClient(string token) : IDisposable
{
    public const string Revision = "2026-07-28";

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) }) { Timeout = TimeSpan.FromSeconds(30) };
    private int _nextId;

    /// <summary>One 2026-07-28 request: the answer's status and its JSON-RPC message (the one with the request's id).</summary>
    public async Task<McpAnswer> StatelessAsync(Uri mcpUrl, string method, JsonObject? parameters = null, string? name = null)
    {
        parameters ??= [];
        parameters["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = Revision,
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "replica-tests", ["version"] = "1.0" },
        };
        using var request = Request(mcpUrl, method, parameters, sessionId: null);
        request.Headers.Add("MCP-Protocol-Version", Revision);
        request.Headers.Add("Mcp-Method", method);
        if (name is not null)
        {
            request.Headers.Add("Mcp-Name", name);
        }

        return await SendAsync(request);
    }

    /// <summary>A 2026-07-28 tools/call.</summary>
    public Task<McpAnswer> CallToolAsync(Uri mcpUrl, string tool, JsonObject? arguments = null) =>
        StatelessAsync(mcpUrl, "tools/call", new JsonObject { ["name"] = tool, ["arguments"] = arguments ?? [] }, tool);

    /// <summary>
    /// A 2026-07-28 tools/call retried on a client's usual terms: a connection error or a 502/503 from the load balancer
    /// (a replica that died mid-request) is sent again, up to <paramref name="attempts"/> times in all.
    /// </summary>
    public async Task<McpAnswer> CallToolRetryingAsync(Uri mcpUrl, string tool, JsonObject arguments, int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var answer = await CallToolAsync(mcpUrl, tool, (JsonObject)arguments.DeepClone());
                if (answer.Status is not (HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable) || attempt == attempts)
                {
                    return answer;
                }
            }
            catch (Exception e) when (attempt < attempts && e is HttpRequestException or IOException or SocketException)
            {
                // The connection failed or was cut: send it again, as a client does.
            }

            await Task.Delay(100 * attempt);
        }
    }

    /// <summary>The tool names a 2026-07-28 tools/list answers.</summary>
    public async Task<IReadOnlyList<string>> ToolNamesAsync(Uri mcpUrl)
    {
        var answer = await StatelessAsync(mcpUrl, "tools/list");
        answer.Status.ShouldBe(HttpStatusCode.OK, answer.Text);
        return [.. answer.Message!["result"]!["tools"]!.AsArray().Select(t => t!["name"]!.GetValue<string>())];
    }

    /// <summary>Opens a legacy (2025-11-25) session at <paramref name="mcpUrl"/> and returns its id.</summary>
    public async Task<string> OpenSessionAsync(Uri mcpUrl)
    {
        var initialize = new JsonObject
        {
            ["protocolVersion"] = ProtocolEras.Legacy,
            ["capabilities"] = new JsonObject(),
            ["clientInfo"] = new JsonObject { ["name"] = "replica-tests", ["version"] = "1" },
        };
        using var request = Request(mcpUrl, "initialize", initialize, sessionId: null);
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        var sessionId = response.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = new HttpRequestMessage(HttpMethod.Post, mcpUrl)
        {
            Content = new StringContent(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        Headers(initialized, sessionId);
        using var accepted = await _http.SendAsync(initialized);
        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        return sessionId;
    }

    /// <summary>A tools/call in the legacy session <paramref name="sessionId"/>, sent to <paramref name="mcpUrl"/>.</summary>
    public async Task<McpAnswer> CallInSessionAsync(Uri mcpUrl, string sessionId, string tool, JsonObject? arguments = null)
    {
        using var request = Request(mcpUrl, "tools/call", new JsonObject { ["name"] = tool, ["arguments"] = arguments ?? [] }, sessionId);
        return await SendAsync(request);
    }

    public void Dispose() => _http.Dispose();

    private HttpRequestMessage Request(Uri mcpUrl, string method, JsonObject parameters, string? sessionId)
    {
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = Interlocked.Increment(ref _nextId), ["method"] = method, ["params"] = parameters };
        var request = new HttpRequestMessage(HttpMethod.Post, mcpUrl) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        Headers(request, sessionId);
        return request;
    }

    private void Headers(HttpRequestMessage request, string? sessionId)
    {
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
            request.Headers.Add("MCP-Protocol-Version", ProtocolEras.Legacy);
        }
    }

    private async Task<McpAnswer> SendAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? message = null;
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            message = text.Split('\n')
                .Where(l => l.StartsWith("data:", StringComparison.Ordinal))
                .Select(l => JsonNode.Parse(l["data:".Length..]))
                .LastOrDefault(m => m?["id"] is not null);
        }
        else if (response.Content.Headers.ContentType?.MediaType == "application/json" && text.Length > 0)
        {
            message = JsonNode.Parse(text);
        }

        return new McpAnswer(response.StatusCode, message, text);
    }
}
