using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// <c>/mcp/&lt;server&gt;</c>: one backend under its original names, for the C# SDK client pinned to 2026-07-28 and to
/// 2025-11-25 and for the TypeScript SDK v2 client in both modes; a backend that does not exist, is disabled or lies
/// outside the filter answers 404 with a JSON-RPC error naming it.
/// </summary>
public sealed class PerServerEndpointTests(PerServerEndpointFixture fixture) : IClassFixture<PerServerEndpointFixture>
{
    private GatewayUnderTest Gateway => fixture.Gateway;

    [Theory]
    [InlineData(ProtocolEras.Stateless)]
    [InlineData(ProtocolEras.Legacy)]
    public async Task ListsOnlyThatBackendsTools_UnderTheirOriginalNames_AndCallsThem(string era)
    {
        await using var client = await ConnectAsync("/mcp/beta", era);
        await using var whole = await ConnectAsync("/mcp?tags=db", era);

        var tools = (await client.ListToolsAsync()).Select(t => t.Name).ToList();
        var betaOnMcp = (await whole.ListToolsAsync()).Select(t => t.Name).Where(n => n.StartsWith("beta_1mcp_", StringComparison.Ordinal));
        tools.ShouldContain("echo");
        tools.ShouldContain("add");
        tools.ShouldBe(betaOnMcp.Select(n => n["beta_1mcp_".Length..]));

        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = $"original {era}" });
        echo.IsError.ShouldNotBe(true);
        echo.Content.OfType<TextContentBlock>().Single().Text.ShouldBe($"original {era}");
        var sum = await client.CallToolAsync("add", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 });
        sum.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("5");

        // Prefixed names are /mcp's: here they name nothing, and no other backend can be reached.
        await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("beta_1mcp_echo", new Dictionary<string, object?> { ["message"] = "x" }).AsTask());
        await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("alpha_1mcp_echo", new Dictionary<string, object?> { ["message"] = "x" }).AsTask());
    }

    [Theory]
    [InlineData(ProtocolEras.Stateless)]
    [InlineData(ProtocolEras.Legacy)]
    public async Task ListsAndReadsResourcesAndTemplates_UnderTheirOriginalUris(string era)
    {
        await using var client = await ConnectAsync("/mcp/beta", era);

        (await client.ListResourcesAsync()).Select(r => r.Uri).ShouldBe(["test://static/info", "test://static/binary"], ignoreOrder: true);
        (await client.ListResourceTemplatesAsync()).Select(t => t.UriTemplate).ShouldBe(["test://items/{id}"]);

        var info = await client.ReadResourceAsync("test://static/info");
        var text = info.Contents.ShouldHaveSingleItem().ShouldBeOfType<TextResourceContents>();
        text.Text.ShouldBe("info from beta");
        text.Uri.ShouldBe("test://static/info");
        var item = await client.ReadResourceAsync("test://items/42");
        item.Contents.OfType<TextResourceContents>().Single().Text.ShouldBe("item 42 from beta");
    }

    [Theory]
    [InlineData(ProtocolEras.Stateless)]
    [InlineData(ProtocolEras.Legacy)]
    public async Task ListsAndGetsPrompts_AndCompletesPromptAndTemplateReferences_UnderTheirOriginalNames(string era)
    {
        await using var client = await ConnectAsync("/mcp/beta", era);

        (await client.ListPromptsAsync()).Select(p => p.Name).ShouldBe(["greeting", "plain"], ignoreOrder: true);
        var greeting = await client.GetPromptAsync("greeting", new Dictionary<string, object?> { ["name"] = "Ada" });
        greeting.Messages.ShouldHaveSingleItem().Content.ShouldBeOfType<TextContentBlock>().Text.ShouldBe("Hello, Ada! (from beta)");

        (await client.CompleteAsync(new PromptReference { Name = "greeting" }, "name", "c")).Completion.Values.ShouldBe(["carol"]);
        (await client.CompleteAsync(new ResourceTemplateReference { Uri = "test://items/{id}" }, "id", "1")).Completion.Values.ShouldBe(["1", "10"]);
    }

    [Fact]
    public async Task Session_GetsTheBackendsOwnInstructions_AndResourceUpdatesUnderTheOriginalUri()
    {
        var updates = new NotificationLog();
        await using var client = await ConnectAsync("/mcp/beta", ProtocolEras.Legacy, new McpClientHandlers
        {
            NotificationHandlers = [new(NotificationMethods.ResourceUpdatedNotification, updates.Record)],
        });

        client.ServerInstructions.ShouldBe("Test server beta.");
        await client.SubscribeToResourceAsync("test://static/info");
        await client.CallToolAsync("touch_resource", new Dictionary<string, object?> { ["uri"] = "test://static/info" });

        await updates.AtLeastAsync(1, "the update of the subscribed resource");
        updates.Received[0]!["uri"]!.ToString().ShouldBe("test://static/info");
        await client.UnsubscribeFromResourceAsync("test://static/info");
    }

    [Fact]
    public async Task TypeScriptClient_PinnedToTheNewRevision_ListsAndCallsUnderOriginalNames()
    {
        var outcome = await NodeClient.ListAndCallAsync(Gateway.Url("/mcp/alpha"), "echo", "from node");

        outcome.ProtocolVersion.ShouldBe(ProtocolEras.Stateless);
        outcome.Tools.ShouldContain("echo");
        outcome.Tools.ShouldAllBe(t => !t.Contains("_1mcp_", StringComparison.Ordinal));
        outcome.IsError.ShouldBeFalse();
        outcome.Text.ShouldBe("from node");
    }

    [Fact]
    public async Task TypeScriptClient_PinnedToTheNewRevision_ReachesEverySurfaceUnderOriginalNames()
    {
        var seen = await NodeClient.FlowAsync(Gateway.Url("/mcp/alpha"), "surfaces", string.Empty);

        seen.GetProperty("protocolVersion").GetString().ShouldBe(ProtocolEras.Stateless);
        seen.GetProperty("era").GetString().ShouldBe("modern");
        seen.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("uri").GetString())
            .ShouldBe(["test://static/info", "test://static/binary"], ignoreOrder: true);
        seen.GetProperty("resourceTemplates").EnumerateArray().Select(t => t.GetProperty("uriTemplate").GetString()).ShouldBe(["test://items/{id}"]);
        seen.GetProperty("readText").GetString().ShouldBe("info from alpha");
        seen.GetProperty("itemText").GetString().ShouldBe("item 7 from alpha");
        Strings(seen, "prompts").ShouldBe(["greeting", "plain"], ignoreOrder: true);
        seen.GetProperty("promptText").GetString().ShouldBe("Hello, node! (from alpha)");
        Strings(seen, "completion").ShouldBe(["bob"]);
        Strings(seen, "templateCompletion").ShouldBe(["1", "10"]);
    }

    [Fact]
    public async Task TypeScriptClient_PinnedToTheNewRevision_SeesProgressAndCancelsUnderOriginalNames()
    {
        var progress = await NodeClient.FlowAsync(Gateway.Url("/mcp/beta"), "progress", string.Empty);
        progress.GetProperty("text").GetString().ShouldBe("done");
        progress.GetProperty("progress").GetArrayLength().ShouldBeGreaterThanOrEqualTo(2);

        var cancel = await NodeClient.FlowAsync(Gateway.Url("/mcp/alpha"), "cancel", string.Empty);
        cancel.GetProperty("started").GetInt32().ShouldBe(1);
        cancel.GetProperty("call").GetString().ShouldBe("aborted");
        cancel.GetProperty("cancelled").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task TypeScriptClient_Listening_GetsResourceUpdatesUnderTheBackendsOwnUri()
    {
        await using var listener = NodeListener.Start(Gateway.Url("/mcp/alpha"), """{"resourceSubscriptions":["test://static/info"]}""");
        var ack = await listener.NextAsync("acknowledged");
        ack.GetProperty("honored").GetProperty("resourceSubscriptions").EnumerateArray().Select(u => u.GetString()).ShouldBe(["test://static/info"]);

        var (_, touched) = await StatelessRequest.SendAsync(
            Gateway.Url("/mcp/alpha"), "tools/call",
            new JsonObject { ["name"] = "touch_resource", ["arguments"] = new JsonObject { ["uri"] = "test://static/info" } },
            nameHeader: "touch_resource");
        touched.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString().ShouldBe("touched test://static/info");

        var updated = await listener.NextAsync("notification");
        updated.GetProperty("method").GetString().ShouldBe("notifications/resources/updated");
        updated.GetProperty("params").GetProperty("uri").GetString().ShouldBe("test://static/info");
    }

    [Fact]
    public async Task TypeScriptClient_InLegacyMode_InitializesASession_ListsAndCallsUnderOriginalNames()
    {
        var seen = await NodeClient.FlowAsync(Gateway.Url("/mcp/beta"), "legacy", string.Empty);

        seen.GetProperty("protocolVersion").GetString().ShouldBe(ProtocolEras.Legacy);
        seen.GetProperty("era").GetString().ShouldBe("legacy");
        var tools = Strings(seen, "tools");
        tools.ShouldContain("echo");
        tools.ShouldAllBe(t => !t!.Contains("_1mcp_", StringComparison.Ordinal));
        seen.GetProperty("text").GetString().ShouldBe("legacy node");
    }

    [Theory]
    [InlineData("/mcp/nosuch", "nosuch")]
    [InlineData("/mcp/alpha?tags=db", "alpha")]
    [InlineData("/mcp/off", "off")]
    public async Task ABackendThatDoesNotExist_IsOutsideTheFilter_OrIsDisabled_Answers404NamingIt_InBothEras(string path, string server)
    {
        var (status, message) = await StatelessRequest.SendAsync(Gateway.Url(path), "tools/list");
        var (initializeStatus, initializeMessage) = await InitializeAsync(Gateway.Url(path));

        foreach (var (s, m) in new[] { (status, message), (initializeStatus, initializeMessage) })
        {
            s.ShouldBe(HttpStatusCode.NotFound);
            m.GetProperty("jsonrpc").GetString().ShouldBe("2.0");
            m.GetProperty("error").GetProperty("code").GetInt32().ShouldBe(-32005);
            m.GetProperty("error").GetProperty("message").GetString().ShouldNotBeNull().ShouldContain($"'{server}'");
        }
    }

    [Fact]
    public async Task AReachableBackend_WithAFilterThatAdmitsIt_IsServed()
    {
        var (status, message) = await StatelessRequest.SendAsync(Gateway.Url("/mcp/alpha?tags=web"), "tools/list");

        status.ShouldBe(HttpStatusCode.OK);
        message.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ShouldContain("echo");
    }

    [Fact]
    public async Task LegacySseUnderABackend_IsNotServed()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(Gateway.Url("/mcp/alpha/sse"), HttpCompletionOption.ResponseHeadersRead);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldContain("/sse");
    }

    private async Task<McpClient> ConnectAsync(string pathAndQuery, string era, McpClientHandlers? handlers = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = Gateway.Url(pathAndQuery) });
        var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = era, Handlers = handlers ?? new McpClientHandlers() });
        client.NegotiatedProtocolVersion.ShouldBe(era);
        return client;
    }

    /// <summary>An <c>initialize</c> POST, as a 2025-11-25 client opens its session.</summary>
    internal static async Task<(HttpStatusCode Status, JsonElement Message)> InitializeAsync(Uri url, string? token = null)
    {
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = "initialize",
            ["params"] = new JsonObject
            {
                ["protocolVersion"] = ProtocolEras.Legacy,
                ["capabilities"] = new JsonObject(),
                ["clientInfo"] = new JsonObject { ["name"] = "protocol-tests", ["version"] = "1.0" },
            },
        };
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    private static List<string?> Strings(JsonElement seen, string property) =>
        [.. seen.GetProperty(property).EnumerateArray().Select(e => e.GetString())];
}
