using System.Net;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Protocol;

/// <summary>
/// SEP-2549 on the gateway's lists: a 2026-07-28 request learns how long a list stays fresh (<c>ttlMs</c>) and
/// whether it may be shared (<c>cacheScope</c>): public only when nothing about the caller shaped it.
/// </summary>
public sealed class CacheableListTests(TaggedBackendsFixture fixture) : IClassFixture<TaggedBackendsFixture>
{
    private static readonly string[] ListMethods = ["tools/list", "prompts/list", "resources/list", "resources/templates/list"];

    private GatewayUnderTest Gateway => fixture.Gateway;

    [Fact]
    public async Task Lists_WithoutAuthOrFilter_ArePublicWithAShortTtl()
    {
        foreach (var method in ListMethods)
        {
            var result = await ResultAsync("/mcp", method);

            result.GetProperty("cacheScope").GetString().ShouldBe("public", method);
            result.GetProperty("ttlMs").GetInt64().ShouldBe(5000, method);
        }
    }

    [Theory]
    [InlineData("/mcp?tags=web")]
    [InlineData("/mcp?tag-filter=web%20or%20db")]
    public async Task Lists_WithAFilter_ArePrivate(string path)
    {
        foreach (var method in ListMethods)
        {
            var result = await ResultAsync(path, method);

            result.GetProperty("cacheScope").GetString().ShouldBe("private", method);
            result.GetProperty("ttlMs").GetInt64().ShouldBe(5000, method);
        }
    }

    [Theory]
    [InlineData("/mcp", "public")]
    [InlineData("/mcp?tags=web", "private")]
    public async Task ResourceRead_IsImmediatelyStale_AndScopedByTheCaller(string path, string scope)
    {
        const string uri = "alpha_1mcp_test://static/info";
        var (status, message) = await StatelessRequest.SendAsync(
            Gateway.Url(path), "resources/read", new System.Text.Json.Nodes.JsonObject { ["uri"] = uri }, nameHeader: uri);

        status.ShouldBe(HttpStatusCode.OK, message.ToString());
        var result = message.GetProperty("result");
        result.GetProperty("cacheScope").GetString().ShouldBe(scope);
        result.GetProperty("ttlMs").GetInt64().ShouldBe(0);
        result.GetProperty("contents").GetArrayLength().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task LegacyClient_GetsListsWithoutHints()
    {
        var client = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Legacy);

        var tools = await client.ListToolsAsync(new ListToolsRequestParams());
        var prompts = await client.ListPromptsAsync(new ListPromptsRequestParams());

        tools.TimeToLive.ShouldBeNull();
        tools.CacheScope.ShouldBeNull();
        prompts.TimeToLive.ShouldBeNull();
        prompts.CacheScope.ShouldBeNull();
    }

    [Fact]
    public async Task ToolOrder_IsTheSameInBothEras_AndFollowsTheServerNames()
    {
        var legacy = await Gateway.ConnectAsync(protocolVersion: ProtocolEras.Legacy);
        var legacyNames = (await legacy.ListToolsAsync()).Select(t => t.Name).ToList();
        var first = await ResultAsync("/mcp", "tools/list");
        var second = await ResultAsync("/mcp", "tools/list");

        var modernNames = Names(first);
        modernNames.ShouldBe(legacyNames);
        Names(second).ShouldBe(modernNames);
        var servers = modernNames.Select(n => n[..n.IndexOf("_1mcp_", StringComparison.Ordinal)]).Distinct().ToList();
        servers.ShouldBe(["alpha", "beta", "gamma"]);
        servers.ShouldBe(servers.Order(StringComparer.Ordinal).ToList());
    }

    private static List<string> Names(JsonElement toolsResult) =>
        [.. toolsResult.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];

    private async Task<JsonElement> ResultAsync(string path, string method)
    {
        var (status, message) = await StatelessRequest.SendAsync(Gateway.Url(path), method);
        status.ShouldBe(HttpStatusCode.OK, message.ToString());
        return message.GetProperty("result");
    }
}

/// <summary>Under authentication every list depends on who asks: it is private.</summary>
public sealed class CacheableListAuthTests(StatelessScopeFixture fixture) : IClassFixture<StatelessScopeFixture>
{
    private const string RedirectUri = "http://127.0.0.1:46003/cb";

    [Fact]
    public async Task Lists_UnderAuth_ArePrivate()
    {
        var token = await TokenAsync("web");
        foreach (var method in new[] { "tools/list", "prompts/list", "resources/list", "resources/templates/list" })
        {
            var (status, message) = await StatelessRequest.SendAsync(fixture.Gateway.Url("/mcp"), method, token: token);

            status.ShouldBe(HttpStatusCode.OK, message.ToString());
            message.GetProperty("result").GetProperty("cacheScope").GetString().ShouldBe("private", method);
            message.GetProperty("result").GetProperty("ttlMs").GetInt64().ShouldBe(5000, method);
        }
    }

    private Task<string> TokenAsync(string tag) =>
        new OAuthFlowDriver(fixture.Gateway.BaseUrl).AccessTokenAsync(RedirectUri, ["tag:" + tag], StatelessScopeFixture.User, StatelessScopeFixture.Password);
}
