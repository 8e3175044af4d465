using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Users, tag scopes, clients and grants under --enable-auth: members are refused every admin action and
/// change nothing; a revoked grant or a disabled user's token is refused on its next MCP request.
/// </summary>
public sealed class ManagementApiTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    private const string RedirectUri = "http://127.0.0.1:45556/cb";
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    [Fact]
    public async Task MemberToken_EveryAdminAction_Is403AndChangesNothing()
    {
        var member = await AuthorizeAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);
        var admin = await AuthorizeAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        using var asMember = Client(member.AccessToken);
        using var asAdmin = Client(admin.AccessToken);
        var usersBefore = await asAdmin.GetStringAsync("/api/users");
        var scopesBefore = await asAdmin.GetStringAsync("/api/tag-scopes");

        using var list = await asMember.GetAsync("/api/users");
        using var add = await asMember.PostAsJsonAsync("/api/users", new { userName = "mallory", password = "a long enough password", role = "admin" });
        using var promote = await asMember.PatchAsJsonAsync($"/api/users/{AuthGatewayFixture.Member}", new { role = "admin" });
        using var disable = await asMember.PatchAsJsonAsync($"/api/users/{AuthGatewayFixture.Admin}", new { disabled = true });
        using var password = await asMember.PostAsJsonAsync($"/api/users/{AuthGatewayFixture.Admin}/password", new { password = "a new long enough password" });
        using var delete = await asMember.DeleteAsync($"/api/users/{AuthGatewayFixture.Admin}");
        using var scope = await asMember.PutAsJsonAsync("/api/tag-scopes/web", new { description = "mine", policy = "adminsOnly", allowedUsers = Array.Empty<string>() });

        foreach (var response in new[] { list, add, promote, disable, password, delete, scope })
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}");
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }

        (await asAdmin.GetStringAsync("/api/users")).ShouldBe(usersBefore);
        (await asAdmin.GetStringAsync("/api/tag-scopes")).ShouldBe(scopesBefore);
        (await asMember.GetAsync("/api/tag-scopes")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await InitializeAsync(admin.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Clients_ListTheRegisteredClientWithItsGrant_MembersSeeOnlyTheirOwn()
    {
        var name = "lister-" + Guid.NewGuid().ToString("N")[..6];
        var member = await AuthorizeAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword, name);
        var admin = await AuthorizeAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        using var asMember = Client(member.AccessToken);
        using var asAdmin = Client(admin.AccessToken);

        var all = JsonNode.Parse(await asAdmin.GetStringAsync("/api/clients"))!.AsArray();
        var mine = JsonNode.Parse(await asMember.GetStringAsync("/api/clients"))!.AsArray();

        var listed = all.Single(c => c!["clientId"]!.GetValue<string>() == member.ClientId)!;
        listed["name"]!.GetValue<string>().ShouldBe(name);
        listed["type"]!.GetValue<string>().ShouldBe("public");
        listed["redirectUris"]!.AsArray().Select(u => u!.GetValue<string>()).ShouldBe([RedirectUri]);
        var grant = listed["grants"]!.AsArray().ShouldHaveSingleItem()!;
        grant["userName"]!.GetValue<string>().ShouldBe(AuthGatewayFixture.Member);
        grant["scopes"]!.AsArray().Select(s => s!.GetValue<string>()).ShouldContain("tag:web");
        grant["id"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        grant["createdAt"].ShouldNotBeNull();
        all.ShouldContain(c => c!["clientId"]!.GetValue<string>() == admin.ClientId);

        mine.Select(c => c!["clientId"]!.GetValue<string>()).ShouldContain(member.ClientId);
        mine.Select(c => c!["clientId"]!.GetValue<string>()).ShouldNotContain(admin.ClientId);
        mine.SelectMany(c => c!["grants"]!.AsArray()).Select(g => g!["userName"]!.GetValue<string>()).ShouldAllBe(u => u == AuthGatewayFixture.Member);
    }

    [Fact]
    public async Task RevokeGrant_ByAnAdmin_TheClientsNextMcpRequestIs401_AnotherClientStillWorks()
    {
        var revoked = await AuthorizeAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);
        var other = await AuthorizeAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);
        var admin = await AuthorizeAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        using var asAdmin = Client(admin.AccessToken);
        (await InitializeAsync(revoked.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var grantId = await GrantIdAsync(asAdmin, revoked.ClientId);

        using var response = await asAdmin.DeleteAsync($"/api/grants/{grantId}");

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
        (await InitializeAsync(revoked.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await InitializeAsync(other.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await asAdmin.DeleteAsync($"/api/grants/{grantId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        JsonNode.Parse(await asAdmin.GetStringAsync("/api/clients"))!.AsArray()
            .Single(c => c!["clientId"]!.GetValue<string>() == revoked.ClientId)!["grants"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task RevokeGrant_ByTheMemberWhoGaveIt_Works_AnotherUsersGrantIs404AndKeepsWorking()
    {
        var own = await AuthorizeAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);
        var admins = await AuthorizeAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        using var asMember = Client(own.AccessToken);
        using var asAdmin = Client(admins.AccessToken);
        var ownGrant = await GrantIdAsync(asAdmin, own.ClientId);
        var adminsGrant = await GrantIdAsync(asAdmin, admins.ClientId);
        // A member changes things through the dashboard (their tokens hold no onemcp:admin).
        using var probe = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);

        using var foreign = await probe.DeleteAsync($"/api/grants/{adminsGrant}");
        using var unknown = await probe.DeleteAsync($"/api/grants/{Guid.NewGuid()}");
        using var mine = await probe.DeleteAsync($"/api/grants/{ownGrant}");

        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        mine.StatusCode.ShouldBe(HttpStatusCode.NoContent, await mine.Content.ReadAsStringAsync());
        (await InitializeAsync(admins.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await InitializeAsync(own.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await asMember.GetAsync("/api/clients")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task DisableUser_TheirTokensNextRequestIs401_AndEnablingDoesNotRevive()
    {
        var admin = await AuthorizeAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        using var asAdmin = Client(admin.AccessToken);
        var (userName, password) = await AddMemberAsync(asAdmin, "carl");
        var carl = await AuthorizeAsync(userName, password);
        (await InitializeAsync(carl.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var disable = await asAdmin.PatchAsJsonAsync($"/api/users/{userName}", new { disabled = true });

        disable.StatusCode.ShouldBe(HttpStatusCode.OK, await disable.Content.ReadAsStringAsync());
        (await InitializeAsync(carl.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await InitializeAsync(admin.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await asAdmin.PatchAsJsonAsync($"/api/users/{userName}", new { disabled = false })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await InitializeAsync(carl.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task RemoveUser_TheirTokensNextRequestIs401()
    {
        var admin = await AuthorizeAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        using var asAdmin = Client(admin.AccessToken);
        var (userName, password) = await AddMemberAsync(asAdmin, "erin");
        var erin = await AuthorizeAsync(userName, password);
        (await InitializeAsync(erin.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var remove = await asAdmin.DeleteAsync($"/api/users/{userName}");

        remove.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await InitializeAsync(erin.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await InitializeAsync(admin.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task DisableUser_TheirSignInCookieIsRefusedOnTheNextRequest()
    {
        var admin = await AuthorizeAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        using var asAdmin = Client(admin.AccessToken);
        var (userName, password) = await AddMemberAsync(asAdmin, "dora");
        using var dora = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = fixture.Gateway.BaseUrl };
        (await dora.PostAsync("/login", new FormUrlEncodedContent([
            KeyValuePair.Create("username", userName), KeyValuePair.Create("password", password), KeyValuePair.Create("returnUrl", "/")]))).StatusCode.ShouldBe(HttpStatusCode.Found);
        (await dora.GetAsync("/api/backends")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await asAdmin.PatchAsJsonAsync($"/api/users/{userName}", new { disabled = true })).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await dora.GetAsync("/api/backends")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SetPassword_EndsTheUsersCookieSessionsAndRevokesTheirTokens()
    {
        var admin = await AuthorizeAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        using var asAdmin = Client(admin.AccessToken);
        var (userName, password) = await AddMemberAsync(asAdmin, "fred");
        using var fred = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, userName, password);
        var token = await TokensAsync(userName, password);
        (await fred.GetAsync("/api/backends")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var change = await asAdmin.PostAsJsonAsync($"/api/users/{userName}/password", new { password = "fred's brand new password" });

        change.StatusCode.ShouldBe(HttpStatusCode.NoContent, await change.Content.ReadAsStringAsync());
        (await fred.GetAsync("/api/backends")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await InitializeAsync(token.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var refreshed = await new OAuthFlowDriver(fixture.Gateway.BaseUrl).RefreshAsync(token.ClientId, token.RefreshToken!);
        refreshed.IsSuccess.ShouldBeFalse(refreshed.Body);
        (await InitializeAsync(admin.AccessToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var again = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, userName, "fred's brand new password");
        (await again.GetAsync("/api/backends")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SetPassword_OwnWithTheCookie_KeepsThatSessionAndEndsTheOthers()
    {
        var admin = await AuthorizeAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        using var asAdmin = Client(admin.AccessToken);
        var userName = "gwen-" + Guid.NewGuid().ToString("N")[..6];
        const string Password = "gwen's long enough password";
        (await asAdmin.PostAsJsonAsync("/api/users", new { userName, password = Password, role = "admin" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var here = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, userName, Password);
        using var elsewhere = await DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, userName, Password);

        using var change = await here.PostAsJsonAsync($"/api/users/{userName}/password", new { password = "gwen's brand new password" });

        change.StatusCode.ShouldBe(HttpStatusCode.NoContent, await change.Content.ReadAsStringAsync());
        (await here.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await elsewhere.GetAsync("/api/users")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private sealed record Authorized(string ClientId, string AccessToken);

    /// <summary>Adds a member with a fresh name through the REST API, as an admin would.</summary>
    private static async Task<(string UserName, string Password)> AddMemberAsync(HttpClient asAdmin, string namePrefix)
    {
        var userName = namePrefix + "-" + Guid.NewGuid().ToString("N")[..6];
        var password = namePrefix + "'s long enough password";
        using var created = await asAdmin.PostAsJsonAsync("/api/users", new { userName, password, role = "member" });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (userName, password);
    }

    private async Task<Authorized> AuthorizeAsync(string user, string password, string? clientName = null)
    {
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri], clientName: clientName)).ClientId!;
        var pkce = Pkce.Create();
        // The admin's tokens are for administering (onemcp:admin ticked); members cannot be granted it.
        string[] scopes = user == AuthGatewayFixture.Admin ? ["tag:web", "onemcp:admin"] : ["tag:web"];
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, scopes, pkce, user, password, selectedScopes: scopes)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return new Authorized(client, tokens.AccessToken!);
    }

    private static async Task<(string ClientId, string? AccessToken, string? RefreshToken)> TokensWith(OAuthFlowDriver driver, string user, string password)
    {
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, ["tag:web", "offline_access"], pkce, user, password)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        tokens.RefreshToken.ShouldNotBeNullOrEmpty();
        return (client, tokens.AccessToken, tokens.RefreshToken);
    }

    private Task<(string ClientId, string? AccessToken, string? RefreshToken)> TokensAsync(string user, string password) =>
        TokensWith(new OAuthFlowDriver(fixture.Gateway.BaseUrl), user, password);

    private HttpClient Client(string accessToken)
    {
        var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return http;
    }

    private static async Task<string> GrantIdAsync(HttpClient asAdmin, string clientId) =>
        JsonNode.Parse(await asAdmin.GetStringAsync("/api/clients"))!.AsArray()
            .Single(c => c!["clientId"]!.GetValue<string>() == clientId)!["grants"]!.AsArray().ShouldHaveSingleItem()!["id"]!.GetValue<string>();

    private async Task<HttpResponseMessage> InitializeAsync(string accessToken)
    {
        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response;
    }
}
