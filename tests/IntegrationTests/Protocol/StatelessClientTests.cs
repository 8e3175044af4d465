using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Application.Gateway.Sessions;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// 2026-07-28 clients on <c>/mcp</c>: served without <c>initialize</c> or a session, each request judged alone by
/// its own filter, next to <c>initialize</c> clients that keep their sessions.
/// </summary>
public sealed class StatelessClientTests(TaggedBackendsFixture fixture) : IClassFixture<TaggedBackendsFixture>
{
    private GatewayUnderTest Gateway => fixture.Gateway;

    [Fact]
    public async Task CSharpClient_OnTheNewRevision_ListsAndCallsOnlyWhatItsFilterShows()
    {
        var client = await Gateway.ConnectAsync("?tags=web", protocolVersion: ProtocolEras.Stateless);

        client.NegotiatedProtocolVersion.ShouldBe(ProtocolEras.Stateless);
        client.SessionId.ShouldBeNull();
        (await ServersAsync(client)).ShouldBe(["alpha", "gamma"]);
        var echo = await client.CallToolAsync("gamma_1mcp_echo", new Dictionary<string, object?> { ["message"] = "stateless" });
        echo.IsError.ShouldNotBe(true);
        echo.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("stateless");

        var hidden = await Should.ThrowAsync<McpProtocolException>(
            () => client.CallToolAsync("beta_1mcp_echo", new Dictionary<string, object?> { ["message"] = "x" }).AsTask());
        var unknown = await Should.ThrowAsync<McpProtocolException>(
            () => client.CallToolAsync("zeta_1mcp_echo", new Dictionary<string, object?> { ["message"] = "x" }).AsTask());
        hidden.ErrorCode.ShouldBe(McpErrorCode.InvalidParams);
        hidden.ErrorCode.ShouldBe(unknown.ErrorCode);
        hidden.Message.ShouldBe(unknown.Message.Replace("zeta", "beta", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CSharpClient_ByDefault_SpeaksTheNewRevisionWithoutAFilter()
    {
        var client = await Gateway.ConnectAsync(protocolVersion: null);

        client.NegotiatedProtocolVersion.ShouldBe(ProtocolEras.Stateless);
        (await ServersAsync(client)).ShouldBe(["alpha", "beta", "gamma"]);
    }

    [Fact]
    public async Task CSharpClient_OnTheNewRevision_GetsTheInstructionsOfWhatItsFilterShows_FromDiscover()
    {
        var client = await Gateway.ConnectAsync("?tags=web", protocolVersion: ProtocolEras.Stateless);

        var instructions = client.ServerInstructions.ShouldNotBeNull();
        instructions.ShouldContain("alpha");
        instructions.ShouldContain("gamma");
        instructions.ShouldNotContain("beta");
    }

    [Fact]
    public async Task NewRevisionRequests_LeaveNoSessionBehind_WhileAnInitializeClientGetsOne()
    {
        var sessions = Gateway.Services.GetRequiredService<SessionRegistry>();
        var before = sessions.Count;

        var modern = await Gateway.ConnectAsync("?tags=db", protocolVersion: ProtocolEras.Stateless);
        await modern.ListToolsAsync();
        await modern.CallToolAsync("beta_1mcp_echo", new Dictionary<string, object?> { ["message"] = "x" });
        sessions.Count.ShouldBe(before);

        var legacy = await Gateway.ConnectAsync("?tags=db");
        legacy.NegotiatedProtocolVersion.ShouldBe(ProtocolEras.Legacy);
        legacy.SessionId.ShouldNotBeNullOrEmpty();
        sessions.Count.ShouldBe(before + 1);
        (await ServersAsync(legacy)).ShouldBe(["beta"]);
    }

    [Fact]
    public async Task EachRequest_IsJudgedByItsOwnFilter()
    {
        var web = await StatelessRequest.SendAsync(Gateway.Url("/mcp?tags=web"), "tools/list");
        var db = await StatelessRequest.SendAsync(Gateway.Url("/mcp?tags=db"), "tools/list");

        web.Status.ShouldBe(HttpStatusCode.OK);
        Servers(web.Message).ShouldBe(["alpha", "gamma"]);
        Servers(db.Message).ShouldBe(["beta"]);
    }

    [Fact]
    public async Task BadFilter_OnANewRevisionRequest_Answers400WithAJsonRpcError()
    {
        var (status, message) = await StatelessRequest.SendAsync(Gateway.Url("/mcp?tag-filter=web%20and"), "tools/list");

        status.ShouldBe(HttpStatusCode.BadRequest);
        message.GetProperty("error").GetProperty("code").GetInt32().ShouldBe(-32602);
        message.GetProperty("error").GetProperty("message").GetString().ShouldNotBeNull().ShouldContain("position");
    }

    [Fact]
    public async Task Discover_AnswersWithTheGatewaysCapabilitiesVersionsAndIdentity()
    {
        var (status, message) = await StatelessRequest.SendAsync(Gateway.Url("/mcp"), "server/discover");

        status.ShouldBe(HttpStatusCode.OK);
        var result = message.GetProperty("result");
        result.GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString()).ShouldContain(ProtocolEras.Stateless);
        var capabilities = result.GetProperty("capabilities");
        foreach (var capability in new[] { "tools", "resources", "prompts", "completions" })
        {
            capabilities.TryGetProperty(capability, out _).ShouldBeTrue(capability);
        }

        // subscriptions/listen carries resource updates and list changes to a 2026-07-28 client.
        capabilities.GetProperty("resources").GetProperty("subscribe").GetBoolean().ShouldBeTrue();
        capabilities.GetProperty("tools").GetProperty("listChanged").GetBoolean().ShouldBeTrue();
        result.GetProperty("_meta").GetProperty("io.modelcontextprotocol/serverInfo").GetProperty("name").GetString().ShouldBe("onemcp");
        result.GetProperty("instructions").GetString().ShouldNotBeNull().ShouldContain("alpha");
        result.GetProperty("resultType").GetString().ShouldBe("complete");
    }

    [Fact]
    public async Task ToolCall_WhoseMcpNameHeaderNamesAnotherTool_IsRefusedWithHeaderMismatch()
    {
        var (status, message) = await StatelessRequest.SendAsync(
            Gateway.Url("/mcp"),
            "tools/call",
            new JsonObject { ["name"] = "beta_1mcp_echo", ["arguments"] = new JsonObject { ["message"] = "x" } },
            nameHeader: "alpha_1mcp_echo");

        status.ShouldBe(HttpStatusCode.BadRequest);
        message.GetProperty("error").GetProperty("code").GetInt32().ShouldBe(-32020);
        message.GetProperty("id").GetInt32().ShouldBe(7);
    }

    [Fact]
    public async Task BackendElicitation_DuringANewRevisionCall_IsAskedThroughInputRequired_AndTheCallCompletes()
    {
        var asked = 0;
        var handlers = new McpClientHandlers
        {
            ElicitationHandler = (_, _) =>
            {
                Interlocked.Increment(ref asked);
                return ValueTask.FromResult(new ElicitResult { Action = "decline" });
            },
        };
        var client = await Gateway.ConnectAsync(handlers: handlers, protocolVersion: ProtocolEras.Stateless);

        // The client answers the backend's question in a retry of the call (MultiRoundTripTests covers the rest).
        var result = await client.CallToolAsync("alpha_1mcp_elicit", new Dictionary<string, object?> { ["message"] = "name?" });

        result.Content.OfType<TextContentBlock>().Single().Text.ShouldBe("elicited: decline");
        asked.ShouldBe(1);
    }

    [Fact]
    public async Task TypeScriptClient_PinnedToTheNewRevision_ListsAndCallsThroughTheFilter()
    {
        var outcome = await NodeClient.ListAndCallAsync(Gateway.Url("/mcp?tags=web"), "alpha_1mcp_echo", "from node");

        outcome.ProtocolVersion.ShouldBe(ProtocolEras.Stateless);
        outcome.ServerName.ShouldBe("onemcp");
        outcome.Tools.Select(n => n[..n.IndexOf("_1mcp_", StringComparison.Ordinal)]).Distinct().ShouldBe(["alpha", "gamma"]);
        outcome.IsError.ShouldBeFalse();
        outcome.Text.ShouldBe("from node");
    }

    private static async Task<List<string>> ServersAsync(McpClient client) =>
        [.. (await client.ListToolsAsync())
            .Select(t => t.Name[..t.Name.IndexOf("_1mcp_", StringComparison.Ordinal)])
            .Distinct()];

    private static List<string> Servers(JsonElement message) =>
        [.. message.GetProperty("result").GetProperty("tools").EnumerateArray()
            .Select(t => t.GetProperty("name").GetString()!)
            .Select(n => n[..n.IndexOf("_1mcp_", StringComparison.Ordinal)])
            .Distinct()];
}
