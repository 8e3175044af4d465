using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// Calls to a streamable HTTP backend that speaks 2026-07-28 (no session) are sent without the SDK client's pipeline
/// too (ADR 0039), with the envelope the SDK client writes into every such request. The same test server over stdio,
/// which the SDK client serves in the same revision, is the reference for that envelope. A backend that answers with
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

    [Fact]
    public async Task TheRequestsEnvelope_IsTheOneTheSdkClientWrites()
    {
        _gateway.Backend("pipe").State.ProtocolVersion.ShouldBe("2026-07-28");
        var client = await _gateway.ConnectAsync();

        // From a session: the envelope is the gateway's alone.
        Envelope(await client.CallToolAsync("web_1mcp_trace")).ShouldBe(Envelope(await client.CallToolAsync("pipe_1mcp_trace")));

        // From a 2026-07-28 client with a capability of its own and a log level: both reach the backend, beside the gateway's.
        var direct = await StatelessAsync("web_1mcp_trace");
        var throughTheSdk = await StatelessAsync("pipe_1mcp_trace");
        direct.ShouldBe(throughTheSdk);
        using var envelope = JsonDocument.Parse(direct);
        envelope.RootElement.GetProperty("io.modelcontextprotocol/protocolVersion").GetString().ShouldBe("2026-07-28");
        envelope.RootElement.GetProperty("io.modelcontextprotocol/clientInfo").GetProperty("name").GetString().ShouldBe("onemcp");
        envelope.RootElement.GetProperty("io.modelcontextprotocol/logLevel").GetString().ShouldBe("debug");
        envelope.RootElement.GetProperty("io.modelcontextprotocol/clientCapabilities").TryGetProperty("experimental", out _).ShouldBeTrue(direct);
    }

    private async Task<string> StatelessAsync(string tool)
    {
        var (_, answer) = await StatelessRequest.SendAsync(
            _gateway.Url("/mcp"), "tools/call", new JsonObject { ["name"] = tool, ["arguments"] = new JsonObject() }, tool, logLevel: "debug",
            capabilities: new JsonObject { ["experimental"] = new JsonObject { ["onemcp-tests"] = new JsonObject() } });
        return Envelope(answer.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!);
    }

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
