using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// Calls to a streamable HTTP backend that speaks 2026-07-28 (no session) are sent without the SDK client's pipeline
/// too (ADR 0039), and so are calls to a stdio backend in that revision (ADR 0044), with the envelope the SDK client
/// writes into every such request. A completion, which the SDK client sends to the same test server over stdio in the
/// same revision, is the reference for that envelope. A backend that answers with
/// <c>input_required</c> gets its answers through the SDK client's rounds: <c>ModernBackendTests</c>, whose 2026-07-28
/// backend asks for elicitation and sampling (this test server cannot ask without a session).
/// </summary>
public sealed class DirectModernBackendCallsTests : IAsyncLifetime
{
    private HttpTestServer _web = null!;
    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        _web = await HttpTestServer.StartAsync("web", extraArgs: ["--session-mode", "hybrid", "--resumable"]);
        _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("web", ConfigBuilder.HttpServer(_web.McpUrl))
            .Add("pipe", ConfigBuilder.StdioTestServer("pipe")));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _web.DisposeAsync();
    }

    [Fact]
    public async Task ACall_ToABackendWithoutSessions_IsSentDirectly()
    {
        _gateway.Backend("web").State.ProtocolVersion.ShouldBe("2026-07-28");
        var client = await _gateway.ConnectAsync();

        // The SDK client numbers its requests; a direct call names its own.
        AggregationTests.Text(await client.CallToolAsync("web_1mcp_request_id")).ShouldStartWith("onemcp-");
        AggregationTests.Text(await client.CallToolAsync("web_1mcp_echo", AggregationTests.Args(("message", "hi")))).ShouldBe("hi");
    }

    [Theory]
    [InlineData("test://items/Résumé", "item Résumé from web")]
    [InlineData("test://items/trailing ", "item trailing  from web")]
    public async Task AReadOfAUriThatIsNotPlainAscii_CarriesItsNameEncoded(string uri, string text)
    {
        // A 2026-07-28 backend requires Mcp-Name, and trims it: a value with characters beyond printable ASCII or with
        // blanks at either end goes as =?base64?...?= (SEP-2243). Asked by a 2026-07-28 caller, which encodes it too (the
        // SDK's client does not, and cannot send such a header at all).
        var read = $"web_1mcp_{uri}";
        var (status, answer) = await StatelessRequest.SendAsync(
            _gateway.Url("/mcp"), "resources/read", new JsonObject { ["uri"] = read }, McpHeaderEncoder.EncodeValue(read));

        status.ShouldBe(HttpStatusCode.OK, answer.ToString());
        answer.GetProperty("result").GetProperty("contents")[0].GetProperty("text").GetString().ShouldBe(text, answer.ToString());
    }

    [Fact]
    public async Task TheRequestsEnvelope_IsTheOneTheSdkClientWrites()
    {
        _gateway.Backend("pipe").State.ProtocolVersion.ShouldBe("2026-07-28");
        var client = await _gateway.ConnectAsync();

        // From a session: the envelope is the gateway's alone, over HTTP and over stdio.
        var fromSession = Envelope(await client.CompleteAsync(new PromptReference { Name = "pipe_1mcp_greeting" }, "meta", string.Empty));
        Envelope(await client.CallToolAsync("web_1mcp_trace")).ShouldBe(fromSession);
        Envelope(await client.CallToolAsync("pipe_1mcp_trace")).ShouldBe(fromSession);

        // From a 2026-07-28 client with a capability of its own and a log level: both reach the backend, beside the gateway's.
        var throughTheSdk = await StatelessAsync("completion/complete", new JsonObject
        {
            ["ref"] = new JsonObject { ["type"] = "ref/prompt", ["name"] = "pipe_1mcp_greeting" },
            ["argument"] = new JsonObject { ["name"] = "meta", ["value"] = string.Empty },
        });
        var direct = await StatelessAsync("tools/call", new JsonObject { ["name"] = "web_1mcp_trace", ["arguments"] = new JsonObject() }, "web_1mcp_trace");
        direct.ShouldBe(throughTheSdk);
        (await StatelessAsync("tools/call", new JsonObject { ["name"] = "pipe_1mcp_trace", ["arguments"] = new JsonObject() }, "pipe_1mcp_trace")).ShouldBe(throughTheSdk);
        using var envelope = JsonDocument.Parse(direct);
        envelope.RootElement.GetProperty("io.modelcontextprotocol/protocolVersion").GetString().ShouldBe("2026-07-28");
        envelope.RootElement.GetProperty("io.modelcontextprotocol/clientInfo").GetProperty("name").GetString().ShouldBe("onemcp");
        envelope.RootElement.GetProperty("io.modelcontextprotocol/logLevel").GetString().ShouldBe("debug");
        envelope.RootElement.GetProperty("io.modelcontextprotocol/clientCapabilities").TryGetProperty("experimental", out _).ShouldBeTrue(direct);
    }

    // The envelope a backend received from a 2026-07-28 caller's request: a call reports it in its text, a completion
    // in its one value.
    private async Task<string> StatelessAsync(string method, JsonObject parameters, string? name = null)
    {
        var (_, answer) = await StatelessRequest.SendAsync(
            _gateway.Url("/mcp"), method, parameters, name, logLevel: "debug",
            capabilities: new JsonObject { ["experimental"] = new JsonObject { ["onemcp-tests"] = new JsonObject() } });
        var result = answer.GetProperty("result");
        return Envelope(result.TryGetProperty("completion", out var completion)
            ? "{\"meta\":" + completion.GetProperty("values")[0].GetString() + "}"
            : result.GetProperty("content")[0].GetProperty("text").GetString()!);
    }

    private static string Envelope(CompleteResult result) => Envelope("{\"meta\":" + result.Completion.Values.Single() + "}");

    private static string Envelope(CallToolResult result) => Envelope(AggregationTests.Text(result));

    // The _meta the backend received, without the trace context (each call has its own), its keys in order.
    private static string Envelope(string trace)
    {
        var meta = JsonNode.Parse(trace)!["meta"]!.AsObject();
        meta.Remove("traceparent");
        meta.Remove("tracestate");
        return Ordered(meta)!.ToJsonString();
    }

    private static JsonNode? Ordered(JsonNode? node) => node is JsonObject json
        ? new JsonObject(json.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Ordered(p.Value?.DeepClone()))))
        : node?.DeepClone();
}
