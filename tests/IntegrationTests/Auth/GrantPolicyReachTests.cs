using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.Application.Authorization;
using OneMcp.Domain.Backends;
using OneMcp.Domain.TagScopes;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Tag policies decide per backend: a grant reaches a backend only when its grantor may grant every tag the
/// backend carries. alpha [db], beta [db, prod], gamma [web]; <c>prod</c> is kept to administrators; bob is a member.
/// </summary>
public sealed class GrantPolicyReachTests(GrantPolicyReachTests.Gateways gateways) : IClassFixture<GrantPolicyReachTests.Gateways>
{
    private const string RedirectUri = "http://127.0.0.1:46011/cb";
    private const string Admin = "ada";
    private const string AdminPassword = "correct horse battery staple";
    private const string Member = "bob";
    private const string MemberPassword = "tr0ub4dor&3 is long enough";

    public sealed class Gateways : PerScopeMatchGateways
    {
        internal override ConfigBuilder Backends() => new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["db"]))
            .Add("beta", ConfigBuilder.StdioTestServer("beta", ["db", "prod"]))
            .Add("gamma", ConfigBuilder.StdioTestServer("gamma", ["web"]));

        internal override async Task SetUpAsync(GatewayUnderTest gateway)
        {
            await gateway.AddUserAsync(Admin, AdminPassword, "admin");
            await gateway.AddUserAsync(Member, MemberPassword, "member");
            var prod = TagScope.Create(Tag.From("prod"), DateTimeOffset.UtcNow);
            prod.RestrictToAdmins(DateTimeOffset.UtcNow);
            await gateway.Services.GetRequiredService<ITagScopeRepository>().AddAsync(prod, CancellationToken.None);
        }
    }

    public static TheoryData<ScopeMatch, string, string, string> Cases => new()
    {
        // match, user, tags ticked on the consent page (the client asked for none), servers reached
        { ScopeMatch.All, Member, "tag:db", "alpha" },
        { ScopeMatch.Any, Member, "tag:db", "alpha" },
        { ScopeMatch.Any, Member, "tag:db tag:web", "alpha,gamma" },
        { ScopeMatch.All, Admin, "tag:db", "alpha,beta" },
        { ScopeMatch.Any, Admin, "tag:db", "alpha,beta" },
    };

    /// <summary>Every row twice: an <c>initialize</c> session, and 2026-07-28 requests (no session, each judged alone).</summary>
    public static IEnumerable<object[]> CasesInBothEras => EraClient.ForBothEras(Cases);

    [Theory]
    [MemberData(nameof(CasesInBothEras))]
    public async Task Grant_ReachesOnlyBackendsWhoseEveryTagItsGrantorMayGrant_OnEverySurface(ScopeMatch match, string user, string ticked, string expected, string era)
    {
        var gateway = gateways.ByMatch[match];
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var password = user == Admin ? AdminPassword : MemberPassword;
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, [], pkce, user, password, selectedScopes: ticked.Split(' '))).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);

        await using var mcp = await EraClient.ConnectAsync(gateway, era, tokens.AccessToken!);

        (await SurfaceReach.OfAsync(mcp, ["alpha", "beta", "gamma"])).ShouldReachEverywhere(expected);
    }

    [Theory]
    [InlineData(ScopeMatch.All)]
    [InlineData(ScopeMatch.Any)]
    public async Task MemberAskedForAnOpenTag_ThatReachesAnAdminOnlyBackend_WaitsForAnAdministrator_OnceAsked(ScopeMatch match)
    {
        var gateway = gateways.ByMatch[match];
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        using var member = await DashboardClient.SignInAsync(gateway.BaseUrl, Member, MemberPassword);

        var html = await OAuthFlowDriver.AskAnAdministratorAsync(member, driver.BuildAuthorizeUri(client, RedirectUri, ["tag:db"], "s", Pkce.Create()));

        html.ShouldContain("Waiting for an administrator");
        html.ShouldContain("<code>tag:prod</code>");
    }

    [Fact]
    public async Task ATagRestrictedAfterTheGrant_NoLongerReachesItsBackendFromTheNextRefresh()
    {
        var gateway = gateways.ByMatch[ScopeMatch.All];
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, ["tag:web", "offline_access"], pkce, Member, MemberPassword, selectedScopes: ["tag:web"])).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        (await InitializeAtAsync(gateway, "/mcp/gamma", tokens.AccessToken!)).ShouldBe(HttpStatusCode.OK);
        var policies = gateway.Services.GetRequiredService<ITagScopeRepository>();
        var web = TagScope.Create(Tag.From("web"), DateTimeOffset.UtcNow);
        web.RestrictToAdmins(DateTimeOffset.UtcNow);
        await policies.AddAsync(web, CancellationToken.None);
        try
        {
            // An administrator keeps tag:web to administrators: the member's grant of it no longer stands.
            var refreshed = await driver.RefreshAsync(client, tokens.RefreshToken!);

            refreshed.IsSuccess.ShouldBeTrue(refreshed.Body);
            (await InitializeAtAsync(gateway, "/mcp/gamma", refreshed.AccessToken!)).ShouldBe(HttpStatusCode.NotFound);
        }
        finally
        {
            await policies.RemoveAsync(web.Id, CancellationToken.None);
        }
    }

    [Fact]
    public async Task ConsentPreview_ForAMember_MarksTheBackendTheyMayNotGrant()
    {
        var gateway = gateways.ByMatch[ScopeMatch.All];
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        using var member = await DashboardClient.SignInAsync(gateway.BaseUrl, Member, MemberPassword);

        var html = await member.GetStringAsync(driver.BuildAuthorizeUri(client, RedirectUri, [], "s", Pkce.Create()));

        html.ShouldContain("<li data-tags=\"db prod\" data-withheld hidden>beta</li>");
        html.ShouldContain("id=\"preview-withheld\"");
        html.ShouldNotContain("value=\"tag:prod\"");
    }

    private static async Task<HttpStatusCode> InitializeAtAsync(GatewayUnderTest gateway, string path, string accessToken)
    {
        using var http = new HttpClient { BaseAddress = gateway.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                System.Text.Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
