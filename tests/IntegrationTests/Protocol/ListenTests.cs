using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Gateway.Listening;
using OneMcp.Application.Backends;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// <c>subscriptions/listen</c> and per-request log levels (MCP 2026-07-28) through <c>/mcp</c>: the official TypeScript
/// SDK v2 client and hand-written requests. Each test has its own gateway, because most edit its mcp.json.
/// </summary>
public sealed class ListenTests
{
    private const string SubscriptionId = "io.modelcontextprotocol/subscriptionId";
    private const string Acknowledged = "notifications/subscriptions/acknowledged";
    private const string ToolsChanged = "notifications/tools/list_changed";
    private const string ResourceUpdated = "notifications/resources/updated";

    [Fact]
    public async Task PinnedNodeClient_Listening_GetsAToolsListChangedAfterAnMcpJsonEdit_TaggedWithItsSubscriptionId()
    {
        var config = new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]));
        await using var gateway = await GatewayUnderTest.StartAsync(config);
        await using var listener = NodeListener.Start(gateway.Url("/mcp"), """{"toolsListChanged":true,"promptsListChanged":true}""");

        var ack = await listener.NextAsync("acknowledged");
        ack.GetProperty("protocolVersion").GetString().ShouldBe(ProtocolEras.Stateless);
        ack.GetProperty("honored").GetProperty("toolsListChanged").GetBoolean().ShouldBeTrue();
        ack.GetProperty("honored").GetProperty("promptsListChanged").GetBoolean().ShouldBeTrue();

        await gateway.WriteConfigAsync(config.Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"])));

        var changed = await listener.NextAsync("notification");
        changed.GetProperty("method").GetString().ShouldBeOneOf(ToolsChanged, "notifications/prompts/list_changed");
        changed.GetProperty("params").GetProperty("_meta").GetProperty(SubscriptionId).GetString().ShouldNotBeNull().ShouldStartWith("listen:");
        (await listener.CloseAsync()).GetProperty("reason").GetString().ShouldBe("local");
        await Eventually.TrueAsync(() => gateway.Services.GetRequiredService<ListenerRegistry>().Count == 0, "the closed listener to be released");
    }

    [Fact]
    public async Task FilteredListener_GetsNothingForAWebOnlyChange_WhileAnUnfilteredOneDoes()
    {
        var config = new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"]));
        await using var gateway = await GatewayUnderTest.StartAsync(config);
        var follow = new JsonObject
        {
            ["notifications"] = new JsonObject { ["toolsListChanged"] = true, ["resourceSubscriptions"] = new JsonArray("beta_1mcp_test://static/info") },
        };
        await using var everything = await StreamedRequest.StartAsync(gateway.Url("/mcp"), "subscriptions/listen", "all", (JsonObject)follow.DeepClone());
        await using var dbOnly = await StreamedRequest.StartAsync(gateway.Url("/mcp?tags=db"), "subscriptions/listen", "db", (JsonObject)follow.DeepClone());
        Method(await everything.NextAsync()).ShouldBe(Acknowledged);
        Method(await dbOnly.NextAsync()).ShouldBe(Acknowledged);

        await gateway.WriteConfigAsync(config.Add("gamma", ConfigBuilder.StdioTestServer("gamma", ["web"])));
        var changed = await everything.NextAsync(m => Method(m) == ToolsChanged);
        changed.GetProperty("params").GetProperty("_meta").GetProperty(SubscriptionId).GetString().ShouldBe("all");
        await Eventually.TrueAsync(() => gateway.Backend("gamma").State.Status == BackendStatus.Connected, "gamma to connect");

        // A marker both listeners follow: each stream is in order, so whatever came before it came of gamma's change.
        await TouchAsync(gateway, "beta", "test://static/info");
        await everything.NextAsync(m => Method(m) == ResourceUpdated);
        var first = await dbOnly.NextAsync();
        Method(first).ShouldBe(ResourceUpdated, "the db-only listener cannot see gamma, so its change must not reach it");
        first.GetProperty("params").GetProperty("_meta").GetProperty(SubscriptionId).GetString().ShouldBe("db");
    }

    [Fact]
    public async Task Listener_FollowsTheResourcesItCanSee_AndGetsTheirUpdatesWithThePrefixedUri()
    {
        await using var gateway = await WebAndDbAsync();
        var parameters = new JsonObject
        {
            ["notifications"] = new JsonObject
            {
                ["resourceSubscriptions"] = new JsonArray("alpha_1mcp_test://static/info", "beta_1mcp_test://static/info"),
            },
        };
        await using var listen = await StreamedRequest.StartAsync(gateway.Url("/mcp?tags=web"), "subscriptions/listen", 42, parameters);

        var ack = await listen.NextAsync();
        Method(ack).ShouldBe(Acknowledged);
        ack.GetProperty("params").GetProperty("_meta").GetProperty(SubscriptionId).GetInt32().ShouldBe(42);
        var granted = ack.GetProperty("params").GetProperty("notifications");
        granted.GetProperty("resourceSubscriptions").EnumerateArray().Select(u => u.GetString()).ShouldBe(["alpha_1mcp_test://static/info"]);
        granted.TryGetProperty("toolsListChanged", out _).ShouldBeFalse();

        await TouchAsync(gateway, "beta", "test://static/info");
        await TouchAsync(gateway, "alpha", "test://static/info");

        var updated = await listen.NextAsync();
        Method(updated).ShouldBe(ResourceUpdated, "beta is hidden from ?tags=web, so only alpha's update may come");
        updated.GetProperty("params").GetProperty("uri").GetString().ShouldBe("alpha_1mcp_test://static/info");
        updated.GetProperty("params").GetProperty("_meta").GetProperty(SubscriptionId).GetInt32().ShouldBe(42);
    }

    [Fact]
    public async Task AbortedListen_IsUnregistered_AndItsResourcesAreNoLongerFollowed()
    {
        await using var gateway = await WebAndDbAsync();
        var registry = gateway.Services.GetRequiredService<ListenerRegistry>();
        var parameters = new JsonObject
        {
            ["notifications"] = new JsonObject { ["toolsListChanged"] = true, ["resourceSubscriptions"] = new JsonArray("alpha_1mcp_test://static/info") },
        };
        var listen = await StreamedRequest.StartAsync(gateway.Url("/mcp"), "subscriptions/listen", "gone", parameters);
        Method(await listen.NextAsync()).ShouldBe(Acknowledged);
        registry.Count.ShouldBe(1);
        var following = registry.All.Single().Session;
        following.IsSubscribed("alpha_1mcp_test://static/info").ShouldBeTrue();

        await listen.DisposeAsync();

        await Eventually.TrueAsync(() => registry.Count == 0, "the aborted listener to be released");
        following.IsSubscribed("alpha_1mcp_test://static/info").ShouldBeFalse();
    }

    [Fact]
    public async Task ToolCall_WithALogLevelInItsMeta_GetsTheBackendsLogMessageOnItsOwnStream()
    {
        await using var gateway = await WebAndDbAsync();

        // The backend holds the call open after logging, so the message is awaited as an event, not raced by the answer.
        await using var call = await StartLogCallAsync(gateway, "told", logLevel: "info", thenWaitMs: 120_000);
        var log = (await call.NextAsync(m => Method(m) == "notifications/message")).GetProperty("params");

        log.GetProperty("level").GetString().ShouldBe("warning");
        log.GetProperty("data").GetString().ShouldBe("told");
        log.GetProperty("logger").GetString().ShouldBe("beta/beta");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("error")]
    public async Task ToolCall_WithoutALogLevel_OrWithAHigherOne_GetsNoLogMessage(string? logLevel)
    {
        await using var gateway = await WebAndDbAsync();

        await using var call = await StartLogCallAsync(gateway, "untold", logLevel, thenWaitMs: 0);
        var messages = await call.ToEndAsync();

        messages.Select(Method).ShouldNotContain("notifications/message");
        messages.Last().GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString().ShouldBe("logged at warning");
    }

    private static Task<GatewayUnderTest> WebAndDbAsync() =>
        GatewayUnderTest.StartAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db"])));

    private static Task<StreamedRequest> StartLogCallAsync(GatewayUnderTest gateway, string message, string? logLevel, int thenWaitMs)
    {
        var parameters = new JsonObject
        {
            ["name"] = "beta_1mcp_log",
            ["arguments"] = new JsonObject { ["level"] = "warning", ["message"] = message, ["thenWaitMs"] = thenWaitMs },
        };
        var meta = logLevel is null ? null : new JsonObject { ["io.modelcontextprotocol/logLevel"] = logLevel };
        return StreamedRequest.StartAsync(gateway.Url("/mcp"), "tools/call", "call", parameters, meta);
    }

    private static async Task TouchAsync(GatewayUnderTest gateway, string server, string uri)
    {
        var (_, answer) = await StatelessRequest.SendAsync(
            gateway.Url("/mcp"), "tools/call",
            new JsonObject { ["name"] = $"{server}_1mcp_touch_resource", ["arguments"] = new JsonObject { ["uri"] = uri } },
            nameHeader: $"{server}_1mcp_touch_resource");
        answer.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString().ShouldBe($"touched {uri}");
    }

    private static string? Method(JsonElement message) =>
        message.TryGetProperty("method", out var method) ? method.GetString() : null;
}
