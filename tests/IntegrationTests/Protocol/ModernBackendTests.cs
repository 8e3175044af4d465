using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Infrastructure.Backends;
using OneMcp.IntegrationTests.ControlPlane;
using OneMcp.IntegrationTests.Gateway;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// A 2026-07-28 backend (the official TypeScript SDK v2 server, no sessions) behind the gateway, next to a backend that
/// only speaks 2025-11-25: the gateway speaks each one's newest revision, and clients of both eras use the modern one,
/// its <c>input_required</c> answers included (a legacy client is asked on its session and the gateway retries the
/// backend call for it), as well as its list changes and resource updates, which it sends only on
/// <c>subscriptions/listen</c>.
/// </summary>
public sealed class ModernBackendTests(ModernBackendFixture fixture) : IClassFixture<ModernBackendFixture>
{
    private GatewayUnderTest Gateway => fixture.Gateway;

    [Fact]
    public async Task NegotiatedRevision_IsTheNewestEachBackendSpeaks_InRestAndHealth()
    {
        using var rest = new RestClient(Gateway);

        var modern = await rest.GetAsync("/api/backends/modern");
        modern.Json!["runtime"]!["status"]!.GetValue<string>().ShouldBe("connected");
        modern.Json["runtime"]!["protocolVersion"]!.GetValue<string>().ShouldBe("2026-07-28");
        var legacy = await rest.GetAsync("/api/backends/legacy");
        legacy.Json!["runtime"]!["status"]!.GetValue<string>().ShouldBe("connected");
        legacy.Json["runtime"]!["protocolVersion"]!.GetValue<string>().ShouldBe("2025-11-25", "a backend without server/discover is spoken to as before");

        var health = await rest.GetAsync("/health");
        var backends = health.Json!["backends"]!.AsArray();
        backends.Single(b => b!["name"]!.GetValue<string>() == "modern")!["protocolVersion"]!.GetValue<string>().ShouldBe("2026-07-28");
        backends.Single(b => b!["name"]!.GetValue<string>() == "legacy")!["protocolVersion"]!.GetValue<string>().ShouldBe("2025-11-25");
    }

    [Fact]
    public async Task LegacyClient_ListsCallsReadsAndGets_OnTheModernBackend()
    {
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Legacy);

        var tools = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        tools.ShouldContain("modern_1mcp_echo");
        tools.ShouldContain("modern_1mcp_ask_name");
        tools.ShouldContain("legacy_1mcp_echo");
        AggregationTests.Text(await client.CallToolAsync("modern_1mcp_echo", AggregationTests.Args(("message", "through")))).ShouldBe("through");
        AggregationTests.Text(await client.CallToolAsync("legacy_1mcp_echo", AggregationTests.Args(("message", "old")))).ShouldBe("old");

        var read = await client.ReadResourceAsync("modern_1mcp_modern://greeting");
        read.Contents.OfType<TextResourceContents>().Single().Text.ShouldBe("hello from modern");
        var prompt = await client.GetPromptAsync("modern_1mcp_welcome");
        prompt.Messages.Single().Content.ShouldBeOfType<TextContentBlock>().Text.ShouldBe("welcome to modern");
    }

    [Fact]
    public async Task LegacyClient_IsAskedTheModernBackendsElicitation_AndTheCallCompletesWithItsAnswer()
    {
        var asked = new List<string>();
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Legacy, handlers: new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                lock (asked)
                {
                    asked.Add(request!.Message);
                }

                return ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Ada") },
                });
            },
        });

        var result = await client.CallToolAsync("modern_1mcp_ask_name");

        AggregationTests.Text(result).ShouldBe("hello Ada", "the backend's input_required was answered on the session and the call retried");
        asked.ShouldBe(["What is your name?"]);
    }

    [Fact]
    public async Task ACallRetriedWithItsAnswers_ToAToolNamedBeyondAscii_CarriesItsNameEncoded()
    {
        // The gateway's first attempt goes without the SDK client, the retry with the answers through it: both must send
        // the name in Mcp-Name as =?base64?...?= (SEP-2243). The SDK client puts it in the header as it is, which .NET's
        // HTTP client refuses to send ("Request headers must contain only ASCII characters"): this test's own client
        // needs the gateway's encoding handler for the same reason.
        using var http = new HttpClient(new McpNameHeaderHandler { InnerHandler = new SocketsHttpHandler() });
        var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = Gateway.Url("/mcp") }, http);
        await using var client = await McpClient.CreateAsync(transport, new McpClientOptions
        {
            ProtocolVersion = ProtocolEras.Legacy,
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (_, _) => ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Zoë") },
                }),
            },
        });

        var result = await client.CallToolAsync("modern_1mcp_ask_naïve");

        result.IsError.ShouldNotBe(true, AggregationTests.Text(result));
        AggregationTests.Text(result).ShouldBe("hello Zoë");
    }

    [Fact]
    public async Task LegacyClient_IsAskedTheModernBackendsSampling_AndTheCallCompletesWithItsAnswer()
    {
        var sampled = 0;
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Legacy, handlers: new McpClientHandlers
        {
            SamplingHandler = (_, _, _) =>
            {
                Interlocked.Increment(ref sampled);
                return ValueTask.FromResult(new CreateMessageResult
                {
                    Content = [new TextContentBlock { Text = "forty-two" }],
                    Model = "test-model",
                    Role = Role.Assistant,
                });
            },
        });

        var result = await client.CallToolAsync("modern_1mcp_ask_model");

        AggregationTests.Text(result).ShouldBe("model said: forty-two");
        sampled.ShouldBe(1);
    }

    [Fact]
    public async Task StatelessClient_ListsAndCallsEcho_OnTheModernBackend()
    {
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Stateless);

        client.NegotiatedProtocolVersion.ShouldBe(ProtocolEras.Stateless);
        (await client.ListToolsAsync()).Select(t => t.Name).ShouldContain("modern_1mcp_echo");
        AggregationTests.Text(await client.CallToolAsync("modern_1mcp_echo", AggregationTests.Args(("message", "modern to modern")))).ShouldBe("modern to modern");
    }

    [Fact]
    public async Task StatelessClient_AnswersTheModernBackendsInputRequired_ThroughTheGateway()
    {
        var asked = new List<string>();
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Stateless, handlers: new McpClientHandlers
        {
            ElicitationHandler = (request, _) =>
            {
                lock (asked)
                {
                    asked.Add(request!.Message);
                }

                return ValueTask.FromResult(new ElicitResult
                {
                    Action = "accept",
                    Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Grace") },
                });
            },
            SamplingHandler = (_, _, _) => ValueTask.FromResult(new CreateMessageResult
            {
                Content = [new TextContentBlock { Text = "seven" }],
                Model = "test-model",
                Role = Role.Assistant,
            }),
        });

        // The backend answers input_required; the gateway's backend client asks the gateway's caller, which is
        // itself a 2026-07-28 client: it gets the question as the gateway's own input_required and retries.
        AggregationTests.Text(await client.CallToolAsync("modern_1mcp_ask_name")).ShouldBe("hello Grace");
        AggregationTests.Text(await client.CallToolAsync("modern_1mcp_ask_model")).ShouldBe("model said: seven");
        asked.ShouldBe(["What is your name?"]);
    }

    [Fact]
    public async Task ToolAddedAtRuntime_OnTheModernBackend_ReachesALegacySessionAsListChanged()
    {
        var changes = new NotificationLog();
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Legacy, handlers: Recording(NotificationMethods.ToolListChangedNotification, changes));

        await client.CallToolAsync("modern_1mcp_add_tool", AggregationTests.Args(("name", "late")));

        await changes.AtLeastAsync(1, "tools/list_changed, heard by the gateway on its listen to the modern backend");
        await Eventually.ValueAsync(() => client.ListToolsAsync().AsTask(), tools => tools.Any(t => t.Name == "modern_1mcp_late"), "the added tool");
        AggregationTests.Text(await client.CallToolAsync("modern_1mcp_late", AggregationTests.Args(("message", "new")))).ShouldBe("new");
    }

    [Fact]
    public async Task Listen_WhenTheModernBackendRestarts_IsOpenedAgain_AndListChangesStillArrive()
    {
        var changes = new NotificationLog();
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Legacy, handlers: Recording(NotificationMethods.ToolListChangedNotification, changes));

        await fixture.Modern.RestartAsync();
        var attempt = 0;

        // The gateway's listen broke with the old process; each call below is answered by the new one, and once the
        // listen is open again an added tool is announced.
        await Eventually.ValueAsync(
            async () =>
            {
                await client.CallToolAsync("modern_1mcp_add_tool", AggregationTests.Args(("name", $"after_restart_{Interlocked.Increment(ref attempt)}")));
                return changes.Count;
            },
            count => count > 0,
            "tools/list_changed from the restarted backend");
        await Eventually.ValueAsync(() => client.ListToolsAsync().AsTask(), tools => tools.Any(t => t.Name.StartsWith("modern_1mcp_after_restart_", StringComparison.Ordinal)), "the tool added after the restart");
    }

    [Fact]
    public async Task ResourceUpdates_OfTheModernBackend_ReachTheSubscribedLegacySession()
    {
        var updates = new NotificationLog();
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Legacy, handlers: Recording(NotificationMethods.ResourceUpdatedNotification, updates));

        // There is no resources/subscribe in 2026-07-28: the gateway reopens its listen with the resource in it.
        await client.SubscribeToResourceAsync("modern_1mcp_modern://greeting");
        await client.CallToolAsync("modern_1mcp_touch_resource", AggregationTests.Args(("uri", "modern://greeting")));

        await updates.AtLeastAsync(1, "notifications/resources/updated for the subscribed resource");
        updates.Received[0]!["uri"]!.ToString().ShouldBe("modern_1mcp_modern://greeting");
        await client.UnsubscribeFromResourceAsync("modern_1mcp_modern://greeting");
    }

    [Fact]
    public async Task CallersLogLevel_ReachesTheModernBackendInTheRequestEnvelope()
    {
        var url = Gateway.Url("/mcp");
        var parameters = new System.Text.Json.Nodes.JsonObject { ["name"] = "modern_1mcp_log_level", ["arguments"] = new System.Text.Json.Nodes.JsonObject() };

        var (_, asked) = await StatelessRequest.SendAsync(url, "tools/call", (System.Text.Json.Nodes.JsonObject)parameters.DeepClone(), "modern_1mcp_log_level", logLevel: "debug");
        var (_, unasked) = await StatelessRequest.SendAsync(url, "tools/call", (System.Text.Json.Nodes.JsonObject)parameters.DeepClone(), "modern_1mcp_log_level");

        Text(asked).ShouldBe("debug", "the SDK client drops the caller's io.modelcontextprotocol/logLevel; the gateway puts it back");
        Text(unasked).ShouldBe("none");
    }

    [Fact]
    public async Task StatelessClientsMeta_ReachesALegacyBackend_WithoutTheRevisionOfTheClientsHop()
    {
        var parameters = new System.Text.Json.Nodes.JsonObject { ["name"] = "legacy_1mcp_trace", ["arguments"] = new System.Text.Json.Nodes.JsonObject() };

        var (_, answer) = await StatelessRequest.SendAsync(Gateway.Url("/mcp"), "tools/call", parameters, "legacy_1mcp_trace",
            capabilities: new System.Text.Json.Nodes.JsonObject { ["elicitation"] = new System.Text.Json.Nodes.JsonObject() });

        // The 2025-11-25 backend is in a session the gateway opened in its own revision: the client's revision would
        // contradict it (the SDK takes a revision found in _meta as the one to send). What the client can do stays.
        using var received = JsonDocument.Parse(Text(answer));
        var meta = received.RootElement.GetProperty("meta");
        meta.TryGetProperty("io.modelcontextprotocol/protocolVersion", out _).ShouldBeFalse(meta.ToString());
        meta.GetProperty("io.modelcontextprotocol/clientInfo").GetProperty("name").GetString().ShouldBe("protocol-tests");
        meta.GetProperty("io.modelcontextprotocol/clientCapabilities").TryGetProperty("elicitation", out _).ShouldBeTrue(meta.ToString());
    }

    private static string Text(JsonElement message) =>
        message.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!;

    private static McpClientHandlers Recording(string method, NotificationLog log) => new()
    {
        NotificationHandlers = [new(method, log.Record)],
    };
}
