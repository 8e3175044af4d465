using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using OneMcp.Application.Authorization;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// --enable-scope-validation: backends A[web], B[web,db], C[db], D[] behind one gateway per match mode;
/// for each grant and request filter, exactly the expected tools are listed and callable, and every other
/// call fails exactly like an unknown tool.
/// </summary>
public sealed class ScopeVisibilityTests(ScopeVisibilityTests.Gateways gateways) : IClassFixture<ScopeVisibilityTests.Gateways>
{
    private const string User = "ada";
    private const string Password = "correct horse battery staple";
    private const string RedirectUri = "http://127.0.0.1:46001/cb";
    private static readonly string[] Servers = ["a", "b", "c", "d"];

    private IReadOnlyDictionary<ScopeMatch, GatewayUnderTest> Gateway => gateways.ByMatch;

    /// <summary>One gateway per match mode, shared by the class (each has four stdio backends).</summary>
    public sealed class Gateways : PerScopeMatchGateways
    {
        internal override ConfigBuilder Backends() => new ConfigBuilder()
            .Add("a", ConfigBuilder.StdioTestServer("a", ["web"]))
            .Add("b", ConfigBuilder.StdioTestServer("b", ["web", "db"]))
            .Add("c", ConfigBuilder.StdioTestServer("c", ["db"]))
            .Add("d", ConfigBuilder.StdioTestServer("d", []));

        internal override Task SetUpAsync(GatewayUnderTest gateway) => gateway.AddUserAsync(User, Password, "admin");
    }

    public static TheoryData<ScopeMatch, string, string, string> Cases => new()
    {
        // match, granted tags, query, visible servers ("403" = refused)
        { ScopeMatch.All, "web", "", "a,b" },
        { ScopeMatch.All, "db", "", "b,c" },
        { ScopeMatch.All, "web db", "", "b" },
        { ScopeMatch.All, "", "", "" },
        { ScopeMatch.All, "web", "?tags=web", "a,b" },
        { ScopeMatch.All, "web db", "?tags=db", "b" },
        { ScopeMatch.All, "web db", "?tag-filter=web%20and%20not%20db", "" },
        { ScopeMatch.All, "web", "?tags=db", "403" },
        { ScopeMatch.All, "web", "?tag-filter=web%20and%20not%20db", "403" },
        { ScopeMatch.Any, "web", "", "a,b" },
        { ScopeMatch.Any, "db", "", "b,c" },
        { ScopeMatch.Any, "web db", "", "a,b,c" },
        { ScopeMatch.Any, "", "", "" },
        { ScopeMatch.Any, "web db", "?tags=web", "a,b" },
        { ScopeMatch.Any, "web db", "?tag-filter=db%20and%20not%20web", "c" },
        { ScopeMatch.Any, "db", "?tags=web", "403" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Session_SeesAndCallsExactlyTheBackendsItsGrantAndFilterReach(ScopeMatch match, string granted, string query, string expected)
    {
        var gateway = Gateway[match];
        var token = await TokenAsync(gateway, granted.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        if (expected == "403")
        {
            using var refused = await InitializeRawAsync(gateway, token, query);
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            refused.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer error=\"insufficient_scope\", scope=\"tag:");
            (await refused.Content.ReadAsStringAsync()).ShouldContain("\"jsonrpc\":\"2.0\"");
            return;
        }

        var visible = expected.Split(',', StringSplitOptions.RemoveEmptyEntries);
        await using var client = await ConnectAsync(gateway, token, query);
        var tools = await client.ListToolsAsync();
        tools.Select(t => t.Name).Where(n => n.EndsWith("_1mcp_echo", StringComparison.Ordinal)).Order()
            .ShouldBe(visible.Select(s => s + "_1mcp_echo").Order());

        foreach (var server in Servers)
        {
            var name = server + "_1mcp_echo";
            if (visible.Contains(server))
            {
                var result = await client.CallToolAsync(name, new Dictionary<string, object?> { ["message"] = "hi" });
                result.IsError.ShouldNotBe(true);
            }
            else
            {
                var hidden = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync(name, new Dictionary<string, object?> { ["message"] = "hi" }).AsTask());
                var unknown = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("zz_1mcp_echo", new Dictionary<string, object?> { ["message"] = "hi" }).AsTask());
                hidden.ErrorCode.ShouldBe(unknown.ErrorCode);
                hidden.Message.Replace(name, "NAME", StringComparison.Ordinal).ShouldBe(unknown.Message.Replace("zz_1mcp_echo", "NAME", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public async Task RestApi_ListsOnlyTheBackendsTheTokenReaches()
    {
        var gateway = Gateway[ScopeMatch.All];
        var token = await TokenAsync(gateway, ["db"]);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var list = await http.GetStringAsync("/api/backends");
        using var hidden = await http.GetAsync("/api/backends/a");

        list.ShouldContain("\"name\":\"b\"");
        list.ShouldContain("\"name\":\"c\"");
        list.ShouldNotContain("\"name\":\"a\"");
        list.ShouldNotContain("\"name\":\"d\"");
        hidden.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TagScopes_ForAToken_NameOnlyTheBackendsItReaches()
    {
        var gateway = Gateway[ScopeMatch.All];
        var token = await TokenAsync(gateway, ["db"]);
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var list = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/api/tag-scopes"))!.AsArray();

        list.Select(s => (string)s!["tag"]!).ShouldBe(["db", "web"]);
        list.Select(s => string.Join(",", s!["backends"]!.AsArray().Select(b => (string)b!))).ShouldBe(["b,c", "b"]);
    }

    [Fact]
    public async Task RestApi_ForASignedInOperator_ListsEveryBackendAndFlagsTheUntaggedOne()
    {
        var gateway = Gateway[ScopeMatch.All];
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = gateway.BaseUrl };
        (await http.PostAsync("/login", new FormUrlEncodedContent([
            KeyValuePair.Create("username", User), KeyValuePair.Create("password", Password), KeyValuePair.Create("returnUrl", "/")]))).StatusCode.ShouldBe(HttpStatusCode.Found);

        var list = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/api/backends"))!.AsArray();

        list.Select(b => (string)b!["name"]!).ShouldBe(["a", "b", "c", "d"]);
        list.Where(b => b!["scopeWarning"] is not null).Select(b => (string)b!["name"]!).ShouldBe(["d"]);
    }

    [Fact]
    public async Task Session_AfterARefreshThatNarrowsTheGrant_SeesLessOnTheNextRequest()
    {
        var gateway = Gateway[ScopeMatch.Any];
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, ["tag:web", "tag:db", "offline_access"], pkce, User, Password)).Redirect.Code!;
        var wide = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        var narrow = await driver.RefreshAsync(client, wide.RefreshToken!, "tag:db offline_access");
        narrow.IsSuccess.ShouldBeTrue(narrow.Body);

        var token = wide.AccessToken!;
        await using var mcp = await ConnectAsync(gateway, () => token);
        (await mcp.ListToolsAsync()).Select(t => t.Name).ShouldContain("a_1mcp_echo");

        token = narrow.AccessToken!;
        var tools = (await mcp.ListToolsAsync()).Select(t => t.Name).ToList();

        tools.ShouldNotContain("a_1mcp_echo");
        tools.ShouldContain("c_1mcp_echo");
    }

    public static TheoryData<ScopeMatch, string, string> Narrowings => new()
    {
        // match, scopes asked for on refresh of a "web db" grant, servers reached afterwards (never more than the grant's)
        { ScopeMatch.All, "tag:web", "b" },
        { ScopeMatch.All, "tag:db", "b" },
        { ScopeMatch.Any, "tag:web", "a,b" },
        { ScopeMatch.Any, "tag:db", "b,c" },
    };

    [Theory]
    [MemberData(nameof(Narrowings))]
    public async Task Refresh_AskingForFewerTags_NeverReachesABackendTheGrantDidNot(ScopeMatch match, string asked, string expected)
    {
        var gateway = Gateway[match];
        var (client, wide) = await GrantAsync(gateway, ["tag:web", "tag:db"]);
        var narrow = await new OAuthFlowDriver(gateway.BaseUrl).RefreshAsync(client, wide.RefreshToken!, asked + " offline_access");
        narrow.IsSuccess.ShouldBeTrue(narrow.Body);

        await using var mcp = await ConnectAsync(gateway, narrow.AccessToken!, string.Empty);

        (await EchoServersAsync(mcp)).ShouldBe(expected.Split(','));
    }

    [Theory]
    [MemberData(nameof(Narrowings))]
    public async Task Session_SeeingANarrowerToken_NeverReachesABackendTheFirstGrantDidNot(ScopeMatch match, string asked, string expected)
    {
        var gateway = Gateway[match];
        var (client, wide) = await GrantAsync(gateway, ["tag:web", "tag:db"]);
        var narrow = await new OAuthFlowDriver(gateway.BaseUrl).RefreshAsync(client, wide.RefreshToken!, asked + " offline_access");
        var token = wide.AccessToken!;
        await using var mcp = await ConnectAsync(gateway, () => token);
        var before = await EchoServersAsync(mcp);

        token = narrow.AccessToken!;
        var after = await EchoServersAsync(mcp);

        after.ShouldBe(expected.Split(','));
        after.ShouldBeSubsetOf(before);
    }

    private static async Task<string[]> EchoServersAsync(McpClient client) =>
        [.. (await client.ListToolsAsync()).Select(t => t.Name).Where(n => n.EndsWith("_1mcp_echo", StringComparison.Ordinal)).Select(n => n[..n.IndexOf('_', StringComparison.Ordinal)]).Order(StringComparer.Ordinal)];

    private static async Task<(string Client, TokenResponse Tokens)> GrantAsync(GatewayUnderTest gateway, string[] scopes)
    {
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, [.. scopes, "offline_access"], pkce, User, Password)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return (client, tokens);
    }

    private static async Task<string> TokenAsync(GatewayUnderTest gateway, string[] tags)
    {
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();

        // Approving with no tag is refused under scope validation; a tagless token comes from narrowing a refresh.
        var scopes = tags.Length == 0 ? ["tag:web"] : tags.Select(t => "tag:" + t).ToArray();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, [.. scopes, "offline_access"], pkce, User, Password)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        if (tags.Length > 0)
        {
            return tokens.AccessToken!;
        }

        var tagless = await driver.RefreshAsync(client, tokens.RefreshToken!, "offline_access");
        tagless.IsSuccess.ShouldBeTrue(tagless.Body);
        return tagless.AccessToken!;
    }

    private static Task<McpClient> ConnectAsync(GatewayUnderTest gateway, string token, string query) => ConnectAsync(gateway, () => token, query);

    private static async Task<McpClient> ConnectAsync(GatewayUnderTest gateway, Func<string> token, string query = "")
    {
        var handler = new BearerHandler(token) { InnerHandler = new HttpClientHandler() };
        var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = gateway.Url("/mcp" + query) }, new HttpClient(handler), ownsHttpClient: true);
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = ProtocolEras.Legacy });
    }

    private static async Task<HttpResponseMessage> InitializeRawAsync(GatewayUnderTest gateway, string token, string query)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Url("/mcp" + query))
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    // Puts the current token on every request, as a client does after renewing it.
    private sealed class BearerHandler(Func<string> token) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token());
            return base.SendAsync(request, cancellationToken);
        }
    }
}
