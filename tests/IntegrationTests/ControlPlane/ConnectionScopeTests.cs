using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Auth;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.ControlPlane;

/// <summary>
/// <c>GET /api/me/connections</c> under --enable-scope-validation: a token lists only the per-user backends its tags
/// reach, as <c>GET /api/backends</c> does (DESIGN §5: the rule applies to the REST API too); the sign-in cookie all.
/// </summary>
public sealed class ConnectionScopeTests : IAsyncLifetime
{
    private const string RedirectUri = "http://127.0.0.1:45571/cb";

    private GatewayUnderTest _gateway = null!;

    public async Task InitializeAsync()
    {
        var keyed = ConfigBuilder.StdioTestServer("keyed", ["db"]);
        keyed["credentials"] = "perUser";
        keyed["env"] = new JsonObject { ["API_KEY"] = "${user:API_KEY}" };
        _gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])).Add("keyed", keyed),
            adjust: o => o with { EnableScopeValidation = true });
        await _gateway.AddUserAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword, "member");
    }

    public Task DisposeAsync() => _gateway.DisposeAsync().AsTask();

    [Fact]
    public async Task MyConnections_WithATokenWhoseTagsDoNotReachTheBackend_ListNothing()
    {
        using var web = await BearerAsync("tag:web");
        using var db = await BearerAsync("tag:db");
        using var cookie = await DashboardClient.SignInAsync(_gateway.BaseUrl, AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);

        var outside = JsonNode.Parse(await web.GetStringAsync("/api/me/connections"))!.AsArray();
        var inside = JsonNode.Parse(await db.GetStringAsync("/api/me/connections"))!.AsArray();
        var signedIn = JsonNode.Parse(await cookie.GetStringAsync("/api/me/connections"))!.AsArray();

        outside.ShouldBeEmpty();
        inside.Select(c => c!["backend"]!.GetValue<string>()).ShouldBe(["keyed"]);
        signedIn.Select(c => c!["backend"]!.GetValue<string>()).ShouldBe(["keyed"]);
    }

    private async Task<HttpClient> BearerAsync(string scope)
    {
        var token = await new OAuthFlowDriver(_gateway.BaseUrl).AccessTokenAsync(RedirectUri, [scope], AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);
        var http = new HttpClient { BaseAddress = _gateway.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
