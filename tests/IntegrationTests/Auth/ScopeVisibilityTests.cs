using System.Net;
using System.Net.Http.Headers;
using ModelContextProtocol.Client;
using OneMcp.Application.Authorization;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// --enable-scope-validation: backends A[web], B[web,db], C[db], D[] behind one gateway per match mode;
/// for each grant and request filter, exactly the expected backends' tools, resources, templates and prompts are
/// listed, called, read, got and completed, and every other request fails exactly like one for an unknown backend.
/// The tables run in both eras: an <c>initialize</c> session and 2026-07-28 requests reach exactly the same.
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

    /// <summary>Every row twice: an <c>initialize</c> session, and 2026-07-28 requests (no session, each judged alone).</summary>
    public static IEnumerable<object[]> CasesInBothEras => EraClient.ForBothEras(Cases);

    [Theory]
    [MemberData(nameof(CasesInBothEras))]
    public async Task Client_SeesAndCallsExactlyTheBackendsItsGrantAndFilterReach_OnEverySurface(ScopeMatch match, string granted, string query, string expected, string era)
    {
        var gateway = Gateway[match];
        var token = await TokenAsync(gateway, granted.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        if (expected == "403")
        {
            using var refused = await EraClient.FirstRequestAsync(gateway, era, token, query);
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            refused.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer error=\"insufficient_scope\", scope=\"tag:");
            (await refused.Content.ReadAsStringAsync()).ShouldContain("\"jsonrpc\":\"2.0\"");
            return;
        }

        await using var client = await EraClient.ConnectAsync(gateway, era, token, query);

        (await SurfaceReach.OfAsync(client, Servers)).ShouldReachEverywhere(expected);
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
    public async Task Audit_ForAToken_HoldsNoRowOfABackendItDoesNotReach()
    {
        var gateway = Gateway[ScopeMatch.All];
        var db = await TokenAsync(gateway, ["db"]);
        var web = await TokenAsync(gateway, ["web"]);
        await using (var mcp = await EraClient.ConnectAsync(gateway, ProtocolEras.Legacy, db))
        {
            (await mcp.CallToolAsync("c_1mcp_echo", new Dictionary<string, object?> { ["message"] = "audited" })).IsError.ShouldNotBe(true);
        }

        using var dbApi = new HttpClient { BaseAddress = gateway.BaseUrl };
        dbApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", db);
        using var webApi = new HttpClient { BaseAddress = gateway.BaseUrl };
        webApi.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", web);

        // Recorded off the hot path: the db token, which reaches c, reads the call's row once it is written.
        await Eventually.ValueAsync(() => dbApi.GetStringAsync("/api/audit?backend=c"), rows => rows.Contains("\"backend\":\"c\""), "the call on c in the audit log");
        var rows = await webApi.GetStringAsync("/api/audit?backend=c");
        var summary = await webApi.GetStringAsync("/api/audit/summary");
        var dbSummary = await dbApi.GetStringAsync("/api/audit/summary");

        rows.ShouldNotContain("\"backend\":\"c\"");
        summary.ShouldNotContain("\"backend\":\"c\"");
        dbSummary.ShouldContain("\"backend\":\"c\"");
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

    // Session-only by nature: one session that sees its token change between two requests. A 2026-07-28 request has no
    // session to outlive its token; each is judged by its own (Refresh_AskingForFewerTags... runs in both eras).
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
        await using var mcp = await EraClient.ConnectAsync(gateway, ProtocolEras.Legacy, () => token);
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

    public static IEnumerable<object[]> NarrowingsInBothEras => EraClient.ForBothEras(Narrowings);

    [Theory]
    [MemberData(nameof(NarrowingsInBothEras))]
    public async Task Refresh_AskingForFewerTags_NeverReachesABackendTheGrantDidNot(ScopeMatch match, string asked, string expected, string era)
    {
        var gateway = Gateway[match];
        var (client, wide) = await GrantAsync(gateway, ["tag:web", "tag:db"]);
        var narrow = await new OAuthFlowDriver(gateway.BaseUrl).RefreshAsync(client, wide.RefreshToken!, asked + " offline_access");
        narrow.IsSuccess.ShouldBeTrue(narrow.Body);

        await using var mcp = await EraClient.ConnectAsync(gateway, era, narrow.AccessToken!);

        (await SurfaceReach.OfAsync(mcp, Servers)).ShouldReachEverywhere(expected);
    }

    // Session-only by nature: the session's first grant bounds what it reaches later, and a 2026-07-28 request has no
    // earlier request to be bounded by.
    [Theory]
    [MemberData(nameof(Narrowings))]
    public async Task Session_SeeingANarrowerToken_NeverReachesABackendTheFirstGrantDidNot(ScopeMatch match, string asked, string expected)
    {
        var gateway = Gateway[match];
        var (client, wide) = await GrantAsync(gateway, ["tag:web", "tag:db"]);
        var narrow = await new OAuthFlowDriver(gateway.BaseUrl).RefreshAsync(client, wide.RefreshToken!, asked + " offline_access");
        var token = wide.AccessToken!;
        await using var mcp = await EraClient.ConnectAsync(gateway, ProtocolEras.Legacy, () => token);
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
}
