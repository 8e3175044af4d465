using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>The REST API under --enable-auth: a token or the sign-in cookie (changes with the anti-forgery token), the admin role to change.</summary>
public sealed class ApiAccessTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>
{
    private const string RedirectUri = "http://127.0.0.1:45555/cb";

    [Fact]
    public async Task ReadBackends_WithAMemberToken_Succeeds()
    {
        using var http = await BearerClientAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);

        using var response = await http.GetAsync("/api/backends");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ChangeBackends_WithAMemberToken_Is403()
    {
        using var http = await BearerClientAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);

        using var response = await http.PostAsJsonAsync("/api/backends", new { name = "gamma", url = "http://127.0.0.1:1/mcp" });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        fixture.Gateway.Pool.Backends.Select(b => b.Name.Value).ShouldNotContain("gamma");
    }

    [Fact]
    public async Task ChangePresets_WithAnAdminToken_Succeeds()
    {
        using var http = await BearerClientAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, adminScope: true);

        using var response = await http.PostAsJsonAsync("/api/presets", new { name = "web-" + Guid.NewGuid().ToString("N")[..6], expression = "web" });

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignInCookie_ChangeWithoutTheCsrfToken_Is403AndChangesNothing()
    {
        using var http = await CookieClientAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        var name = "cookie-" + Guid.NewGuid().ToString("N")[..6];

        using var read = await http.GetAsync("/api/backends");
        using var change = await http.PostAsJsonAsync("/api/presets", new { name, expression = "web" });
        using var forged = new HttpRequestMessage(HttpMethod.Post, "/api/presets") { Content = JsonContent.Create(new { name, expression = "web" }) };
        forged.Headers.Add("X-CSRF-Token", "forged");
        using var forgedAnswer = await http.SendAsync(forged);

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        change.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await change.Content.ReadAsStringAsync()).ShouldContain("X-CSRF-Token");
        forgedAnswer.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await http.GetAsync($"/api/presets/{name}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SignInCookie_WithTheSessionsCsrfToken_ChangesAsAdmin()
    {
        using var http = await CookieClientAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        var session = await http.GetFromJsonAsync<SessionDto>("/api/session");
        var name = "cookie-" + Guid.NewGuid().ToString("N")[..6];

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/presets") { Content = JsonContent.Create(new { name, expression = "web" }) };
        request.Headers.Add("X-CSRF-Token", session!.CsrfToken);
        using var response = await http.SendAsync(request);

        session.AuthEnabled.ShouldBeTrue();
        session.User!.Name.ShouldBe(AuthGatewayFixture.Admin);
        session.User.Role.ShouldBe("admin");
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignInCookie_MemberWithCsrfToken_IsRefusedAdminActions()
    {
        using var http = await CookieClientAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);
        var session = await http.GetFromJsonAsync<SessionDto>("/api/session");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/presets") { Content = JsonContent.Create(new { name = "member-made", expression = "web" }) };
        request.Headers.Add("X-CSRF-Token", session!.CsrfToken);
        using var response = await http.SendAsync(request);

        session.User!.Role.ShouldBe("member");
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain("admin role");
        (await http.GetAsync("/api/presets/member-made")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Session_WithoutSignIn_Is401()
    {
        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };

        using var response = await http.GetAsync("/api/session");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Logout_EndsTheCookieSession()
    {
        using var http = await CookieClientAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        (await http.GetAsync("/api/backends")).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var logout = await http.PostAsync("/logout", content: null);

        logout.StatusCode.ShouldBe(HttpStatusCode.Found);
        (await http.GetAsync("/api/backends")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private sealed record SessionDto(bool AuthEnabled, bool ScopeValidation, SessionUserDto? User, string CsrfToken);

    private sealed record SessionUserDto(string Name, string Role);

    private async Task<HttpClient> BearerClientAsync(string user, string password, bool adminScope = false)
    {
        var driver = new OAuthFlowDriver(fixture.Gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([RedirectUri])).ClientId!;
        var pkce = Pkce.Create();
        string[] scopes = adminScope ? ["tag:web", "onemcp:admin"] : ["tag:web"];
        var code = (await driver.SignInAndApproveAsync(client, RedirectUri, scopes, pkce, user, password, selectedScopes: scopes)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        var http = new HttpClient { BaseAddress = fixture.Gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        return http;
    }

    private async Task<HttpClient> CookieClientAsync(string user, string password)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = fixture.Gateway.BaseUrl };
        using var login = await http.PostAsync("/login", new FormUrlEncodedContent([
            KeyValuePair.Create("username", user), KeyValuePair.Create("password", password), KeyValuePair.Create("returnUrl", "/")]));
        login.StatusCode.ShouldBe(HttpStatusCode.Found);
        return http;
    }
}
