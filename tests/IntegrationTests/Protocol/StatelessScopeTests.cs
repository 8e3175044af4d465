using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>A gateway with --enable-auth --enable-scope-validation in front of web [web] and db [db].</summary>
public sealed class StatelessScopeFixture : IAsyncLifetime
{
    internal const string User = "ada";
    internal const string Password = "correct horse battery staple";

    internal GatewayUnderTest Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder()
                .Add("web", ConfigBuilder.StdioTestServer("web", ["web"]))
                .Add("db", ConfigBuilder.StdioTestServer("db", ["db"])),
            adjust: o => o with { EnableScopeValidation = true });
        await Gateway.AddUserAsync(User, Password, "admin");
    }

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}

/// <summary>
/// 2026-07-28 requests under scope validation: each is authenticated and limited by its own token, exactly as a
/// session would be (the same lists, the same errors for what lies outside the grant).
/// </summary>
public sealed class StatelessScopeTests(StatelessScopeFixture fixture) : IClassFixture<StatelessScopeFixture>
{
    private const string RedirectUri = "http://127.0.0.1:46002/cb";

    private GatewayUnderTest Gateway => fixture.Gateway;

    [Fact]
    public async Task CSharpClient_WithAWebToken_SeesAndCallsOnlyWebTools()
    {
        var token = await TokenAsync("web");
        await using var client = await ConnectAsync(token, ProtocolEras.Stateless);

        client.NegotiatedProtocolVersion.ShouldBe(ProtocolEras.Stateless);
        (await EchoServersAsync(client)).ShouldBe(["web"]);
        var echo = await client.CallToolAsync("web_1mcp_echo", new Dictionary<string, object?> { ["message"] = "granted" });
        echo.IsError.ShouldNotBe(true);

        var refused = await Should.ThrowAsync<McpProtocolException>(
            () => client.CallToolAsync("db_1mcp_echo", new Dictionary<string, object?> { ["message"] = "x" }).AsTask());
        var unknown = await Should.ThrowAsync<McpProtocolException>(
            () => client.CallToolAsync("zz_1mcp_echo", new Dictionary<string, object?> { ["message"] = "x" }).AsTask());
        refused.ErrorCode.ShouldBe(unknown.ErrorCode);
        refused.Message.Replace("db_1mcp_echo", "NAME", StringComparison.Ordinal)
            .ShouldBe(unknown.Message.Replace("zz_1mcp_echo", "NAME", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BothEras_WithTheSameToken_ReachTheSameTools()
    {
        var token = await TokenAsync("db");
        await using var modern = await ConnectAsync(token, ProtocolEras.Stateless);
        await using var legacy = await ConnectAsync(token, ProtocolEras.Legacy);

        var modernTools = (await modern.ListToolsAsync()).Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
        var legacyTools = (await legacy.ListToolsAsync()).Select(t => t.Name).Order(StringComparer.Ordinal).ToList();

        modernTools.ShouldBe(legacyTools);
        (await EchoServersAsync(modern)).ShouldBe(["db"]);
    }

    [Fact]
    public async Task Request_WithAFilterNamingAnUngrantedTag_IsRefusedWith403()
    {
        var token = await TokenAsync("web");

        var (status, message) = await StatelessRequest.SendAsync(Gateway.Url("/mcp?tags=db"), "tools/list", token: token);

        status.ShouldBe(HttpStatusCode.Forbidden);
        message.GetProperty("jsonrpc").GetString().ShouldBe("2.0");
        message.GetProperty("error").GetProperty("message").GetString().ShouldNotBeNull().ShouldContain("db");
    }

    [Fact]
    public async Task Request_WithoutAToken_IsRefusedWith401()
    {
        var (status, message) = await StatelessRequest.SendAsync(
            Gateway.Url("/mcp"), "tools/call", new JsonObject { ["name"] = "web_1mcp_echo", ["arguments"] = new JsonObject { ["message"] = "x" } },
            nameHeader: "web_1mcp_echo");

        status.ShouldBe(HttpStatusCode.Unauthorized);
        message.GetProperty("error").GetProperty("code").GetInt32().ShouldNotBe(0);
    }

    [Fact]
    public async Task TypeScriptClient_PinnedToTheNewRevision_WithAWebToken_ReachesOnlyWebTools()
    {
        var token = await TokenAsync("web");

        var outcome = await NodeClient.ListAndCallAsync(Gateway.Url("/mcp"), "web_1mcp_echo", "from node", token);

        outcome.ProtocolVersion.ShouldBe(ProtocolEras.Stateless);
        outcome.Tools.Where(n => n.EndsWith("_1mcp_echo", StringComparison.Ordinal)).ShouldBe(["web_1mcp_echo"]);
        outcome.Text.ShouldBe("from node");
    }

    private static async Task<string[]> EchoServersAsync(McpClient client) =>
        [.. (await client.ListToolsAsync()).Select(t => t.Name).Where(n => n.EndsWith("_1mcp_echo", StringComparison.Ordinal))
            .Select(n => n[..n.IndexOf('_', StringComparison.Ordinal)]).Order(StringComparer.Ordinal)];

    private Task<string> TokenAsync(string tag) =>
        new OAuthFlowDriver(Gateway.BaseUrl).AccessTokenAsync(RedirectUri, ["tag:" + tag], StatelessScopeFixture.User, StatelessScopeFixture.Password);

    private async Task<McpClient> ConnectAsync(string token, string protocolVersion)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = Gateway.Url("/mcp"),
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = new AuthenticationHeaderValue("Bearer", token).ToString() },
        });
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion });
    }
}
