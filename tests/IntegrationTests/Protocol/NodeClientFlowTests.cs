using System.Text.Json;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// The official TypeScript SDK v2 client (tests/NodeClients/flows.mjs) through <c>/mcp</c>: pinned to 2026-07-28 it
/// reaches every surface, sees the progress of a slow tool and cancels a call; in <c>legacy</c> mode it lists and calls
/// over a session. One Node process per test.
/// </summary>
public sealed class NodeClientFlowTests(WebAndDbBackendsFixture fixture) : IClassFixture<WebAndDbBackendsFixture>
{
    private GatewayUnderTest Gateway => fixture.Gateway;

    [Fact]
    public async Task PinnedClient_ListsAndReadsResourcesAndTemplates_GetsPrompts_AndCompletes()
    {
        var seen = await NodeClient.FlowAsync(Gateway.Url("/mcp?tags=web"), "surfaces", "alpha");

        seen.GetProperty("protocolVersion").GetString().ShouldBe(ProtocolEras.Stateless);
        seen.GetProperty("era").GetString().ShouldBe("modern");
        var uris = seen.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("uri").GetString()).ToList();
        uris.ShouldBe(["alpha_1mcp_test://static/info", "alpha_1mcp_test://static/binary"], ignoreOrder: true);
        seen.GetProperty("resourceTemplates").EnumerateArray().Select(t => t.GetProperty("uriTemplate").GetString())
            .ShouldBe(["alpha_1mcp_test://items/{id}"]);
        seen.GetProperty("readText").GetString().ShouldBe("info from alpha");
        seen.GetProperty("itemText").GetString().ShouldBe("item 7 from alpha");
        Strings(seen, "prompts").ShouldBe(["alpha_1mcp_greeting", "alpha_1mcp_plain"], ignoreOrder: true);
        seen.GetProperty("promptText").GetString().ShouldBe("Hello, node! (from alpha)");
        Strings(seen, "completion").ShouldBe(["bob"]);
        Strings(seen, "templateCompletion").ShouldBe(["1", "10"]);
    }

    [Fact]
    public async Task PinnedClient_ReceivesTheProgressOfASlowToolOnTheRequestsStream()
    {
        var seen = await NodeClient.FlowAsync(Gateway.Url("/mcp"), "progress", "beta");

        seen.GetProperty("protocolVersion").GetString().ShouldBe(ProtocolEras.Stateless);
        seen.GetProperty("text").GetString().ShouldBe("done");
        var steps = seen.GetProperty("progress").EnumerateArray().ToList();

        // Every step arrives, once, in order and before the result, with its total and message: the gateway routes a
        // backend's progress as it reads it, ahead of the result that follows.
        steps.Select(s => s.GetProperty("progress").GetDouble()).ShouldBe([1d, 2d, 3d, 4d]);
        steps.ShouldAllBe(s => s.GetProperty("total").GetDouble() == 4d);
        steps.ShouldAllBe(s => s.GetProperty("message").GetString() == $"step {s.GetProperty("progress").GetDouble()}");
    }

    [Fact]
    public async Task PinnedClient_AbortingASlowCall_CancelsItOnTheBackend()
    {
        var seen = await NodeClient.FlowAsync(Gateway.Url("/mcp"), "cancel", "alpha");

        seen.GetProperty("protocolVersion").GetString().ShouldBe(ProtocolEras.Stateless);
        seen.GetProperty("started").GetInt32().ShouldBe(1);
        seen.GetProperty("call").GetString().ShouldBe("aborted");
        seen.GetProperty("cancelled").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task LegacyModeClient_InitializesASession_ListsAndCalls()
    {
        var seen = await NodeClient.FlowAsync(Gateway.Url("/mcp?tags=db"), "legacy", "beta");

        seen.GetProperty("protocolVersion").GetString().ShouldBe(ProtocolEras.Legacy);
        seen.GetProperty("era").GetString().ShouldBe("legacy");
        seen.GetProperty("serverName").GetString().ShouldBe("onemcp");
        var tools = Strings(seen, "tools");
        tools.ShouldContain("beta_1mcp_echo");
        tools.ShouldAllBe(t => t!.StartsWith("beta_1mcp_", StringComparison.Ordinal));
        seen.GetProperty("text").GetString().ShouldBe("legacy node");
    }

    private static List<string?> Strings(JsonElement seen, string property) =>
        [.. seen.GetProperty(property).EnumerateArray().Select(e => e.GetString())];
}
