using System.Net;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using OneMcp.IntegrationTests.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>The served transports, and bad input on them: each gets a clear error and changes nothing.</summary>
public sealed class TransportTests(WebAndDbBackendsFixture fixture) : IClassFixture<WebAndDbBackendsFixture>, IDisposable
{
    private readonly HttpClient _http = new();

    private GatewayUnderTest Gateway => fixture.Gateway;

    private string Mcp => Gateway.Url("/mcp").ToString();

    [Fact]
    public async Task LegacySse_ServesTheSameMergedCapabilities()
    {
        var client = await Gateway.ConnectAsync(mode: HttpTransportMode.Sse);

        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("beta_1mcp_echo", AggregationTests.Args(("message", "via sse")));

        tools.Select(t => t.Name).ShouldContain("alpha_1mcp_echo");
        AggregationTests.Text(result).ShouldBe("via sse");
    }

    [Fact]
    public async Task LegacySse_AnnouncesItsMessageEndpointAndRefusesUnknownSessions()
    {
        var response = await _http.PostAsync(Gateway.Url("/messages?sessionId=nosuchsession"), new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));

        // The message endpoint belongs to a live SSE stream; without one nothing is accepted.
        ((int)response.StatusCode).ShouldBeOneOf(400, 404);
        response.StatusCode.ShouldNotBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task LegacySse_MessageForAnUnknownOrEndedSession_GetsTheJsonRpcErrorMcpGivesAnUnknownSession()
    {
        // Before: the SDK's 400 with a bare JSON string ("Session ID not found.") as its body.
        using var onMcp = await RawMcpSession.Post(_http, Mcp, "nosuchsession", new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/list" });
        var ended = await LegacySseStream.OpenAsync(_http, Gateway.Url("/sse"));
        await ended.InitializeAsync(_http);
        var endedUrl = ended.MessagesUrl;
        ended.Dispose();

        using var unknown = await PostMessageAsync(Gateway.Url("/messages?sessionId=nosuchsession"));
        using var afterEnd = await PostMessageUntilRefusedAsync(endedUrl);

        foreach (var answer in new[] { unknown, afterEnd })
        {
            answer.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            answer.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
            var error = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["error"]!;
            ((int)error["code"]!).ShouldBe(-32001);
            error["message"]!.ToString().ShouldContain("Session not found");
        }

        onMcp.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        ((int)JsonNode.Parse(await onMcp.Content.ReadAsStringAsync())!["error"]!["code"]!).ShouldBe(-32001);
    }

    [Theory]
    [InlineData("PUT", "/mcp", "GET, POST, DELETE")]
    [InlineData("PATCH", "/mcp", "GET, POST, DELETE")]
    [InlineData("POST", "/sse", "GET")]
    [InlineData("DELETE", "/sse", "GET")]
    [InlineData("GET", "/messages?sessionId=abc", "POST")]
    [InlineData("PUT", "/messages?sessionId=abc", "POST")]
    public async Task McpEndpoints_AskedWithAMethodTheyDoNotTake_Answer405WithAJsonRpcError(string method, string path, string allowed)
    {
        // Before: routing's bare 405 (/mcp) or 404 (/sse, /messages), without a body.
        using var request = new HttpRequestMessage(new HttpMethod(method), Gateway.Url(path))
        {
            Content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", System.Text.Encoding.UTF8, "application/json"),
        };

        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        response.Content.Headers.Allow.ShouldBe(allowed.Split(", "));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        ((int)error["code"]!).ShouldBe(-32600);
        error["message"]!.ToString().ShouldContain(allowed);
    }

    [Theory]
    [InlineData("/messages")]
    [InlineData("/messages?sessionId=")]
    [InlineData("/messages?sessionId=a&sessionId=b")]
    public async Task LegacySse_MessageWithoutOneSessionId_GetsAJsonRpcError(string path)
    {
        // Before: the SDK's 400 with a bare JSON string as its body.
        using var content = new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", System.Text.Encoding.UTF8, "application/json");

        using var response = await _http.PostAsync(Gateway.Url(path), content);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        ((int)error["code"]!).ShouldBe(-32600);
        error["message"]!.ToString().ShouldContain("sessionId");
    }

    [Theory]
    [InlineData("text/plain", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", 415)]
    [InlineData(null, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", 415)]
    [InlineData("application/json", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", 400)]
    [InlineData("application/json", "{}", 400)]
    [InlineData("application/json", "", 400)]
    [InlineData("application/json", "null", 400)]
    public async Task LegacySse_BadMessageBodies_GetAJsonRpcErrorAndTheSessionKeepsServing(string? contentType, string body, int status)
    {
        // Before: a missing Content-Type and a body that is not a JSON-RPC message were a bare 500 (and an error in the
        // gateway's log), text/plain a bare 415 without a body.
        using var stream = await LegacySseStream.OpenAsync(_http, Gateway.Url("/sse"));
        using var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await _http.PostAsync(stream.MessagesUrl, content);

        ((int)response.StatusCode).ShouldBe(status);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        ((int)error["code"]!).ShouldBe(-32600);
        await stream.InitializeAsync(_http);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:3050")]
    [InlineData("127.0.0.1.evil.example")]
    public async Task Requests_ForAForeignHost_AreRefusedBeforeAnythingHappens(string host)
    {
        using var request = InitializeRequest();
        request.Headers.Host = host;

        var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Headers.Contains("Mcp-Session-Id").ShouldBeFalse();
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["error"]!["message"]!.ToString().ShouldContain("host");
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("null")]
    public async Task Requests_FromAForeignWebOrigin_AreRefused(string origin)
    {
        using var request = InitializeRequest();
        request.Headers.Add("Origin", origin);

        var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("http", 1)]
    [InlineData("https", 0)]
    public async Task Requests_FromAnotherOriginOnTheSameHost_AreRefused(string scheme, int portOffset)
    {
        // Another web app on this machine (a dev server on another port, say) is another site.
        using var request = InitializeRequest();
        request.Headers.Add("Origin", $"{scheme}://localhost:{Gateway.BaseUrl.Port + portOffset}");

        var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Headers.Contains("Mcp-Session-Id").ShouldBeFalse();
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]!.ToString().ShouldContain("origin");
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    public async Task Requests_ForALoopbackName_AreServed(string host)
    {
        using var request = InitializeRequest();
        request.Headers.Host = $"{host}:{Gateway.BaseUrl.Port}";
        request.Headers.Add("Origin", $"http://{host}:{Gateway.BaseUrl.Port}");

        var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task MalformedJson_GetsAJsonRpcErrorAndTheGatewayKeepsServing()
    {
        using var session = await RawMcpSession.OpenAsync(Gateway.Url("/mcp"));

        var response = await RawMcpSession.PostRaw(_http, Mcp, session.SessionId, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        // The SDK answers an unparsable body as an invalid request (-32600) rather than a parse error (-32700).
        ((int)error["code"]!).ShouldBeOneOf(-32700, -32600);
        await StillServesAsync(session);
    }

    [Fact]
    public async Task UnknownMethod_GetsMethodNotFound()
    {
        using var session = await RawMcpSession.OpenAsync(Gateway.Url("/mcp"));

        var messages = await session.RequestAsync("tools/frobnicate", []);

        ((int)messages.Single()["error"]!["code"]!).ShouldBe(-32601);
        await StillServesAsync(session);
    }

    [Fact]
    public async Task OversizedBody_IsRefusedWithAJsonRpcError()
    {
        using var session = await RawMcpSession.OpenAsync(Gateway.Url("/mcp"));
        var huge = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 9,
            ["method"] = "tools/call",
            ["params"] = new JsonObject { ["name"] = "alpha_1mcp_echo", ["arguments"] = new JsonObject { ["message"] = new string('x', 300 * 1024) } },
        };

        var response = await RawMcpSession.Post(_http, Mcp, session.SessionId, huge);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        error["message"]!.ToString().ShouldContain("larger than the gateway accepts");
        await StillServesAsync(session);
    }

    [Fact]
    public async Task OversizedChunkedBody_OfA2026Request_IsRefusedWithAJsonRpcError()
    {
        // No Content-Length: the replica relay starts reading it (looking for a retry's requestState), after which
        // Kestrel's limit can no longer be lowered; before, such a body was read up to Kestrel's 30 MB and answered.
        var huge = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 9,
            ["method"] = "tools/call",
            ["params"] = new JsonObject
            {
                ["name"] = "alpha_1mcp_echo",
                ["arguments"] = new JsonObject { ["message"] = new string('x', 600 * 1024) },
                ["_meta"] = new JsonObject
                {
                    ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
                    ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
                    ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "t", ["version"] = "1" },
                },
            },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, Mcp)
        {
            Content = new StringContent(huge.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "alpha_1mcp_echo");

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge, text.Length > 300 ? text[..300] : text);
        JsonNode.Parse(text)!["error"]!["message"]!.ToString().ShouldContain("larger than the gateway accepts");
    }

    [Theory]
    [InlineData("/mcp", null)]
    [InlineData("/mcp/alpha", null)]
    [InlineData("/mcp", "2025-06-18")]
    [InlineData("/mcp/alpha", "2025-11-25")]
    public async Task NonInitializeRequest_WithoutASessionId_Gets400SayingToInitializeFirst(string path, string? protocolVersion)
    {
        // Before: the SDK's 400 telling the reader to enable stateless mode in the SDK's settings.
        using var request = await SendAsync(HttpMethod.Post, path, protocolVersion, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}");
        using var notification = await SendAsync(HttpMethod.Post, path, protocolVersion, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

        var requestError = await MissingSessionIdErrorAsync(request);
        requestError["id"]!.GetValue<int>().ShouldBe(7);
        requestError["error"]!["message"]!.ToString().ShouldContain("Send initialize first, or use the 2026-07-28 revision");
        (await MissingSessionIdErrorAsync(notification))["id"].ShouldBeNull();
    }

    [Theory]
    [InlineData("/mcp", null)]
    [InlineData("/mcp/alpha", null)]
    [InlineData("/mcp", "2025-11-25")]
    public async Task EventStreamGet_WithoutASessionId_Gets400SayingToInitializeFirst(string path, string? protocolVersion)
    {
        // Before: the SDK's 400 telling the reader to enable stateless mode in the SDK's settings.
        using var get = await SendAsync(HttpMethod.Get, path, protocolVersion, body: null);

        var error = await MissingSessionIdErrorAsync(get);
        error["error"]!["message"]!.ToString().ShouldContain("Send initialize first");
    }

    [Fact]
    public async Task RequestsWithoutASessionId_OfThe20260728Revision_AreServedAsBefore()
    {
        using var get = await SendAsync(HttpMethod.Get, "/mcp", StatelessRequest.Revision, body: null);
        using var initialize = await SendAsync(HttpMethod.Post, "/mcp", protocolVersion: null, RawMcpSession.Initialize().ToJsonString());

        // The SDK's own answers: that revision has no GET stream, and initialize (no revision header) opens a session.
        get.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        (await get.Content.ReadAsStringAsync()).ShouldContain("subscriptions/listen");
        initialize.StatusCode.ShouldBe(HttpStatusCode.OK);
        initialize.Headers.GetValues("Mcp-Session-Id").Single().ShouldNotBeNullOrEmpty();
        (await StatelessRequest.SendAsync(Gateway.Url("/mcp"), "tools/list")).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/mcp/alpha", "echo")]
    [InlineData("/mcp?tags=db", "beta_1mcp_echo")]
    public async Task Initialize_WithAnEmptySessionIdHeader_KeepsToTheServerAndFilterOfItsUrl(string path, string expected)
    {
        // The SDK reads an empty Mcp-Session-Id as none and opens a session; the gateway read it as a session's and
        // skipped the URL's server and filter, so that session served every backend under prefixed names.
        var endpoint = Gateway.Url(path).ToString();
        using var initialize = await RawMcpSession.Post(_http, endpoint, sessionId: "", RawMcpSession.Initialize());
        initialize.StatusCode.ShouldBe(HttpStatusCode.OK);
        var sessionId = initialize.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = await RawMcpSession.Post(_http, endpoint, sessionId, new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "notifications/initialized" });

        using var list = await RawMcpSession.Post(_http, endpoint, sessionId, new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/list" });

        var tools = (await RawMcpSession.ReadMessagesAsync(list)).Single()["result"]!["tools"]!.AsArray().Select(t => t!["name"]!.ToString()).ToList();
        tools.ShouldContain(expected);
        tools.ShouldNotContain("alpha_1mcp_echo");
        if (path.StartsWith("/mcp/alpha", StringComparison.Ordinal))
        {
            tools.ShouldAllBe(name => !name.Contains("_1mcp_"));
        }
    }

    [Fact]
    public async Task UnknownSession_IsNotFound_AndDeleteEndsASession()
    {
        var unknown = await RawMcpSession.Post(_http, Mcp, "nosuchsession", new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/list" });
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        using var session = await RawMcpSession.OpenAsync(Gateway.Url("/mcp"));
        using (var deleted = await DeleteSessionAsync(Mcp, session.SessionId))
        {
            deleted.IsSuccessStatusCode.ShouldBeTrue();
        }

        var after = await RawMcpSession.Post(_http, Mcp, session.SessionId, new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 2, ["method"] = "tools/list" });
        after.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_OfAnUnknownOrEndedSession_GetsTheJsonRpcErrorOfAnUnknownSession()
    {
        // Before: 200, as if a session had been ended.
        using var session = await RawMcpSession.OpenAsync(Gateway.Url("/mcp"));
        (await DeleteSessionAsync(Mcp, session.SessionId)).Dispose();

        using var unknown = await DeleteSessionAsync(Mcp, "nosuchsession");
        using var ended = await DeleteSessionAsync(Mcp, session.SessionId);
        using var onOneServer = await DeleteSessionAsync(Gateway.Url("/mcp/alpha").ToString(), "nosuchsession");

        foreach (var answer in new[] { unknown, ended, onOneServer })
        {
            answer.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            answer.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
            var error = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["error"]!;
            ((int)error["code"]!).ShouldBe(-32001);
            error["message"]!.ToString().ShouldBe("Session not found");
        }
    }

    [Theory]
    [InlineData("/mcp")]
    [InlineData("/mcp/alpha")]
    public async Task Delete_WithoutASessionId_Gets400WithAJsonRpcError(string path)
    {
        // Before: 200 with an empty body, as if a session had been ended.
        using var delete = new HttpRequestMessage(HttpMethod.Delete, Gateway.Url(path));

        using var answer = await _http.SendAsync(delete);

        answer.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["error"]!;
        ((int)error["code"]!).ShouldBe(-32600);
        error["message"]!.ToString().ShouldContain("Mcp-Session-Id");
    }

    [Fact]
    public async Task Delete_WithTheIdOfALegacySseSession_GetsTheJsonRpcErrorOfAnUnknownSession_AndTheSessionGoesOn()
    {
        // Before: 200, as if the session had been ended; DELETE /mcp ends none of /sse (it lasts as long as its stream).
        using var stream = await LegacySseStream.OpenAsync(_http, Gateway.Url("/sse"));
        await stream.InitializeAsync(_http);

        using var onMcp = await DeleteSessionAsync(Mcp, stream.SessionId);
        using var onOneServer = await DeleteSessionAsync(Gateway.Url("/mcp/alpha").ToString(), stream.SessionId);

        foreach (var answer in new[] { onMcp, onOneServer })
        {
            answer.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            var error = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["error"]!;
            ((int)error["code"]!).ShouldBe(-32001);
            error["message"]!.ToString().ShouldBe("Session not found");
        }

        (await stream.RequestAsync(_http, "tools/list", 2))["result"]!["tools"]!.AsArray().ShouldNotBeEmpty();
    }

    [Fact]
    public async Task NewestProtocolRevisionClient_StillWorks()
    {
        // The SDK client prefers the newest revision; the gateway must still give it a working session.
        var client = await Gateway.ConnectAsync();

        client.NegotiatedProtocolVersion.ShouldNotBeNullOrEmpty();
        (await client.ListToolsAsync()).ShouldNotBeEmpty();
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> DeleteSessionAsync(string endpoint, string sessionId)
    {
        using var delete = new HttpRequestMessage(HttpMethod.Delete, endpoint);
        delete.Headers.Add("Mcp-Session-Id", sessionId);
        return await _http.SendAsync(delete);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? protocolVersion, string? body)
    {
        using var request = new HttpRequestMessage(method, Gateway.Url(path));
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            request.Headers.Accept.ParseAdd("application/json");
        }

        request.Headers.Accept.ParseAdd("text/event-stream");
        if (protocolVersion is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        }

        return await _http.SendAsync(request);
    }

    /// <summary>The 400 -32600 of a request that needs a session and names none, speaking of the gateway's client, not the SDK's settings.</summary>
    private static async Task<JsonObject> MissingSessionIdErrorAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        var answer = JsonNode.Parse(text)!.AsObject();
        ((int)answer["error"]!["code"]!).ShouldBe(-32600);
        var message = answer["error"]!["message"]!.ToString();
        message.ShouldStartWith("The Mcp-Session-Id header is missing");
        message.ShouldNotContain("HttpServerTransportOptions");
        message.ShouldNotContain("stateless mode");
        return answer;
    }

    private async Task<HttpResponseMessage> PostMessageAsync(Uri url)
    {
        using var content = new StringContent("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", System.Text.Encoding.UTF8, "application/json");
        return await _http.PostAsync(url, content);
    }

    // A closed SSE stream ends its session when the gateway notices the disconnect: until then a message is still accepted.
    private async Task<HttpResponseMessage> PostMessageUntilRefusedAsync(Uri url)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var response = await PostMessageAsync(url);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task StillServesAsync(RawMcpSession session)
    {
        var messages = await session.RequestAsync("tools/call", new JsonObject
        {
            ["name"] = "alpha_1mcp_echo",
            ["arguments"] = new JsonObject { ["message"] = "still serving" },
        });
        messages[^1]["result"]!["content"]![0]!["text"]!.ToString().ShouldBe("still serving");
    }

    private HttpRequestMessage InitializeRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Mcp)
        {
            Content = new StringContent(RawMcpSession.Initialize().ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return request;
    }
}
