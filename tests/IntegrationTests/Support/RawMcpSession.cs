using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace OneMcp.IntegrationTests.Support;

/// <summary>
/// A streamable HTTP session spoken by hand: every message the gateway writes on a POST's response is
/// visible, in order, which the SDK client (it dispatches messages concurrently) does not guarantee.
/// </summary>
internal sealed class RawMcpSession : IDisposable
{
    private readonly HttpClient _http;
    private int _nextId = 1;

    private RawMcpSession(HttpClient http, string endpoint, string sessionId)
    {
        _http = http;
        Endpoint = endpoint;
        SessionId = sessionId;
    }

    public string Endpoint { get; }

    public string SessionId { get; }

    public static async Task<RawMcpSession> OpenAsync(Uri endpoint)
    {
        var http = new HttpClient();
        using var response = await Post(http, endpoint.ToString(), null, Initialize());
        response.EnsureSuccessStatusCode();
        var sessionId = response.Headers.GetValues("Mcp-Session-Id").Single();
        var session = new RawMcpSession(http, endpoint.ToString(), sessionId);
        using var initialized = await Post(http, session.Endpoint, sessionId, new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" });
        return session;
    }

    public static JsonObject Initialize() => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = 0,
        ["method"] = "initialize",
        ["params"] = new JsonObject
        {
            ["protocolVersion"] = "2025-11-25",
            ["capabilities"] = new JsonObject(),
            ["clientInfo"] = new JsonObject { ["name"] = "raw-test-client", ["version"] = "1" },
        },
    };

    /// <summary>Sends a request and returns every message of its response stream, in order.</summary>
    public async Task<IReadOnlyList<JsonObject>> RequestAsync(string method, JsonObject parameters)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = Interlocked.Increment(ref _nextId), ["method"] = method, ["params"] = parameters };
        using var response = await Post(_http, Endpoint, SessionId, request);
        return await ReadMessagesAsync(response);
    }

    public static async Task<HttpResponseMessage> Post(HttpClient http, string endpoint, string? sessionId, JsonNode body) =>
        await PostRaw(http, endpoint, sessionId, body.ToJsonString());

    public static async Task<HttpResponseMessage> PostRaw(HttpClient http, string endpoint, string? sessionId, string body)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (sessionId is not null)
        {
            message.Headers.Add("Mcp-Session-Id", sessionId);
        }

        return await http.SendAsync(message);
    }

    public static async Task<IReadOnlyList<JsonObject>> ReadMessagesAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            return [JsonNode.Parse(text)!.AsObject()];
        }

        return [.. text.Split('\n')
            .Where(line => line.StartsWith("data:", StringComparison.Ordinal))
            .Select(line => JsonNode.Parse(line["data:".Length..])!.AsObject())];
    }

    public void Dispose() => _http.Dispose();
}
