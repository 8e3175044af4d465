using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

public sealed class FilterTests(TaggedBackendsFixture fixture) : IClassFixture<TaggedBackendsFixture>
{
    private const string InitializeRequest = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"filter-tests","version":"1.0"}}}
        """;

    private GatewayUnderTest Gateway => fixture.Gateway;

    [Theory]
    [InlineData("tags", "web", "alpha,gamma")]
    [InlineData("tags", "WEB, db", "alpha,beta,gamma")]
    [InlineData("tag-filter", "web and not api", "alpha")]
    [InlineData("tag-filter", "web and api", "gamma")]
    [InlineData("tag-filter", "db or api", "beta,gamma")]
    [InlineData("tag-filter", "-web", "beta")]
    [InlineData("tag-filter", "(web,db)+api", "gamma")]
    [InlineData("tag-filter", "!db", "alpha,gamma")]
    [InlineData("tag-filter", "web && !api || db", "alpha,beta")]
    public async Task ListTools_WithAFilterOnTheUrl_ShowsOnlyTheMatchingBackends(string parameter, string value, string expected)
    {
        var client = await Gateway.ConnectAsync($"?{parameter}={Uri.EscapeDataString(value)}");

        var servers = await ServersAsync(client);

        servers.ShouldBe(expected.Split(','));
    }

    [Fact]
    public async Task ListTools_WithPlusSignsForSpacesInTheQuery_ReadsThemAsSpaces()
    {
        // As a browser or curl --data-urlencode writes "web and not api"; an encoded %2B would mean AND.
        var client = await Gateway.ConnectAsync("?tag-filter=web+and+not+api");

        (await ServersAsync(client)).ShouldBe(["alpha"]);
    }

    [Fact]
    public async Task ListTools_AtMcpWithATrailingSlash_IsFilteredToo()
    {
        // Routing serves /mcp/ as /mcp; the filter was read only for the exact path, so /mcp/?tags=web showed everything.
        var client = await Gateway.ConnectAsync("/?tags=web");

        (await ServersAsync(client)).ShouldBe(["alpha", "gamma"]);
    }

    [Fact]
    public async Task Initialize_AtMcpWithATrailingSlash_WithABadFilter_Answers400()
    {
        using var http = new HttpClient();

        using var response = await PostAsync(http, "/mcp/?tags=", InitializeRequest, sessionId: null);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ListTools_WithoutAFilter_ShowsEveryBackend()
    {
        var client = await Gateway.ConnectAsync();

        (await ServersAsync(client)).ShouldBe(["alpha", "beta", "gamma"]);
    }

    [Fact]
    public async Task ListTools_OverLegacySseWithTags_IsFilteredToo()
    {
        var client = await Gateway.ConnectAsync("?tags=web", mode: HttpTransportMode.Sse);

        (await ServersAsync(client)).ShouldBe(["alpha", "gamma"]);
    }

    [Fact]
    public async Task CallTool_OfAFilteredOutBackend_FailsExactlyLikeAnUnknownTool()
    {
        var client = await Gateway.ConnectAsync("?tags=web");

        var hidden = await Should.ThrowAsync<McpProtocolException>(
            () => client.CallToolAsync("beta_1mcp_echo", new Dictionary<string, object?> { ["message"] = "x" }).AsTask());
        var unknown = await Should.ThrowAsync<McpProtocolException>(
            () => client.CallToolAsync("zeta_1mcp_echo", new Dictionary<string, object?> { ["message"] = "x" }).AsTask());

        hidden.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        hidden.ErrorCode.ShouldBe(unknown.ErrorCode);
        hidden.Message.ShouldBe(unknown.Message.Replace("zeta", "beta", StringComparison.Ordinal));

        // The visible backends still answer on the same session.
        var echo = await client.CallToolAsync("gamma_1mcp_echo", new Dictionary<string, object?> { ["message"] = "visible" });
        echo.IsError.ShouldNotBe(true);
    }

    [Theory]
    [InlineData("?tags=web&tag-filter=web", "only one")]
    [InlineData("?tag-filter=web&preset=x", "only one")]
    [InlineData("?tags=", "empty")]
    [InlineData("?tag-filter=web%20and%20or%20db", "position 9")]
    [InlineData("?tag-filter=web%24api", "'$' at position 4")]
    [InlineData("?tags=web%3Bdb", "';'")]
    [InlineData("?preset=x", "Unknown preset 'x'")]
    [InlineData("?tags=web&tags=db", "more than once")]
    public async Task Initialize_WithABadFilter_Answers400WithAJsonRpcError(string query, string expectedInMessage)
    {
        using var http = new HttpClient();

        using var response = await PostAsync(http, "/mcp" + query, InitializeRequest, sessionId: null);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Headers.Contains("Mcp-Session-Id").ShouldBeFalse();
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        root.GetProperty("jsonrpc").GetString().ShouldBe("2.0");
        root.GetProperty("id").ValueKind.ShouldBe(JsonValueKind.Null);
        var error = root.GetProperty("error");
        error.GetProperty("code").GetInt32().ShouldBe(-32602);
        error.GetProperty("message").GetString().ShouldNotBeNull().ShouldContain(expectedInMessage);
    }

    [Fact]
    public async Task LegacySse_WithABadFilter_Answers400WithAJsonRpcError()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, Gateway.Url("/sse?tag-filter=web%20and"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("error").GetProperty("code").GetInt32().ShouldBe(-32602);
        body.RootElement.GetProperty("error").GetProperty("message").GetString().ShouldNotBeNull().ShouldContain("position");
    }

    [Fact]
    public async Task Filter_OnLaterRequestsOfASession_IsIgnoredBecauseItIsFixedAtInitialize()
    {
        using var http = new HttpClient();
        using var initialize = await PostAsync(http, "/mcp?tags=db", InitializeRequest, sessionId: null);
        initialize.StatusCode.ShouldBe(HttpStatusCode.OK);
        var sessionId = initialize.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await PostAsync(http, "/mcp?tags=db", """{"jsonrpc":"2.0","method":"notifications/initialized"}""", sessionId);
        initialized.IsSuccessStatusCode.ShouldBeTrue();

        using var list = await PostAsync(http, "/mcp?tags=web", """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", sessionId);

        list.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var result = await ReadJsonRpcAsync(list);
        var servers = result.RootElement.GetProperty("result").GetProperty("tools").EnumerateArray()
            .Select(t => t.GetProperty("name").GetString()!)
            .Select(n => n[..n.IndexOf("_1mcp_", StringComparison.Ordinal)])
            .Distinct()
            .ToList();
        servers.ShouldBe(["beta"]);
        using var delete = new HttpRequestMessage(HttpMethod.Delete, Gateway.Url("/mcp"));
        delete.Headers.Add("Mcp-Session-Id", sessionId);
        using var deleted = await http.SendAsync(delete);
    }

    private async Task<HttpResponseMessage> PostAsync(HttpClient http, string pathAndQuery, string body, string? sessionId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Gateway.Url(pathAndQuery))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
            request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        }

        return await http.SendAsync(request);
    }

    /// <summary>The JSON-RPC message of a response, whether it came as JSON or as a one-message event stream.</summary>
    private static async Task<JsonDocument> ReadJsonRpcAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            text = text.Split('\n')
                .Where(l => l.StartsWith("data:", StringComparison.Ordinal))
                .Select(l => l["data:".Length..].Trim())
                .Single(l => l.Contains("\"id\":2", StringComparison.Ordinal));
        }

        return JsonDocument.Parse(text);
    }

    private static async Task<List<string>> ServersAsync(McpClient client) =>
        [.. (await client.ListToolsAsync())
            .Select(t => t.Name[..t.Name.IndexOf("_1mcp_", StringComparison.Ordinal)])
            .Distinct()];
}
