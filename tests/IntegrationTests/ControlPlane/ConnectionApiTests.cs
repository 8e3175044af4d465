using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OneMcp.IntegrationTests.Auth;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.ControlPlane;

/// <summary>
/// <c>/api/me/connections</c> and <c>/api/connections</c> on a gateway with authentication: a member sets their own
/// secrets for a per-user backend (write-only), administrators see who connected what and revoke it.
/// </summary>
public sealed class ConnectionApiTests : IAsyncLifetime
{
    private const string BobKey = "bob-secret-key-5f0c1e9a";
    private const string Carol = "carol";
    private const string CarolPassword = "carol's long enough password";

    private GatewayUnderTest _gateway = null!;
    private HttpClient _admin = null!;
    private HttpClient _bob = null!;

    public async Task InitializeAsync()
    {
        var keyed = ConfigBuilder.StdioTestServer("keyed", ["web"]);
        keyed["credentials"] = "perUser";
        keyed["env"] = new JsonObject { ["API_KEY"] = "${user:API_KEY}", ["REGION"] = "eu-${user:REGION}" };
        _gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder()
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"]))
            .Add("keyed", keyed));
        await _gateway.AddUserAsync(AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword, "admin");
        await _gateway.AddUserAsync(AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword, "member");
        await _gateway.AddUserAsync(Carol, CarolPassword, "member");
        _admin = await DashboardClient.SignInAsync(_gateway.BaseUrl, AuthGatewayFixture.Admin, AuthGatewayFixture.AdminPassword);
        _bob = await DashboardClient.SignInAsync(_gateway.BaseUrl, AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        _bob.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task MyConnections_ListsPerUserBackends_SecretsAreWriteOnly_AndShowWhenTheyWereSet()
    {
        var before = await SendAsync(_bob, HttpMethod.Get, "/api/me/connections");
        before.Status.ShouldBe(HttpStatusCode.OK, before.Text);
        var keyed = before.Json!.AsArray().ShouldHaveSingleItem()!;
        keyed["backend"]!.GetValue<string>().ShouldBe("keyed");
        keyed["transport"]!.GetValue<string>().ShouldBe("stdio");
        keyed["connected"]!.GetValue<bool>().ShouldBeFalse();
        Secrets(keyed).ShouldBe([("API_KEY", false), ("REGION", false)]);

        // The names of docs/dashboard-api.md, which the dashboard reads case-sensitively.
        keyed.AsObject().Select(p => p.Key).ShouldBe(
            ["backend", "transport", "secrets", "oauth", "oauthRequired", "oauthStatus", "oauthConnectedAt", "connected", "updatedAt"], ignoreOrder: true);

        var set = await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["API_KEY"] = BobKey });
        set.Status.ShouldBe(HttpStatusCode.OK, set.Text);
        Secrets(set.Json!).ShouldBe([("API_KEY", true), ("REGION", false)]);
        (await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["REGION"] = "west" })).Status.ShouldBe(HttpStatusCode.OK);

        var after = await SendAsync(_bob, HttpMethod.Get, "/api/me/connections");
        Secrets(after.Json!.AsArray().Single()!).ShouldBe([("API_KEY", true), ("REGION", true)]);
        after.Json!.AsArray().Single()!["connected"]!.GetValue<bool>().ShouldBeTrue();
        var everyone = await SendAsync(_admin, HttpMethod.Get, "/api/connections?backend=keyed");
        everyone.Status.ShouldBe(HttpStatusCode.OK, everyone.Text);
        var row = everyone.Json!.AsArray().ShouldHaveSingleItem()!;
        row["user"]!.GetValue<string>().ShouldBe(AuthGatewayFixture.Member);
        var unfiltered = await SendAsync(_admin, HttpMethod.Get, "/api/connections?backend=");
        unfiltered.Status.ShouldBe(HttpStatusCode.OK, unfiltered.Text);
        unfiltered.Json!.AsArray().Count.ShouldBe((await SendAsync(_admin, HttpMethod.Get, "/api/connections")).Json!.AsArray().Count);
        row.AsObject().Select(p => p.Key).ShouldBe(["backend", "user", "secrets", "oauthStatus", "oauthConnectedAt", "createdAt", "updatedAt"], ignoreOrder: true);
        row["secrets"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()).ShouldBe(["API_KEY", "REGION"]);
        foreach (var answer in new[] { set, after, everyone })
        {
            answer.Text.ShouldNotContain(BobKey);
        }

        // Another member sees the backend as not connected: nothing of bob's is theirs.
        using var carol = await DashboardClient.SignInAsync(_gateway.BaseUrl, Carol, CarolPassword);
        Secrets((await SendAsync(carol, HttpMethod.Get, "/api/me/connections")).Json!.AsArray().Single()!).ShouldBe([("API_KEY", false), ("REGION", false)]);
    }

    [Fact]
    public async Task SetSecrets_BadInput_IsAProblemNamingTheField_AndChangesNothing()
    {
        var before = (await SendAsync(_admin, HttpMethod.Get, "/api/connections")).Text;

        var unknown = (await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["OTHER"] = BobKey })).ShouldBeProblem(HttpStatusCode.BadRequest);
        var empty = (await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["API_KEY"] = string.Empty })).ShouldBeProblem(HttpStatusCode.BadRequest);
        var tooLong = (await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["API_KEY"] = new string('k', 4097) })).ShouldBeProblem(HttpStatusCode.BadRequest);
        var nothing = (await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject())).ShouldBeProblem(HttpStatusCode.BadRequest);
        var shared = (await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/alpha/secrets", new JsonObject { ["API_KEY"] = BobKey })).ShouldBeProblem(HttpStatusCode.BadRequest);
        (await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/nope/secrets", new JsonObject { ["API_KEY"] = BobKey })).ShouldBeProblem(HttpStatusCode.NotFound);
        (await SendAsync(_bob, HttpMethod.Post, "/api/me/connections/keyed/oauth/authorize")).ShouldBeProblem(HttpStatusCode.BadRequest)
            .Str("code").ShouldBe("backend.oauth_not_http");

        unknown.ErrorFields.ShouldBe(["OTHER"]);
        empty.ErrorFields.ShouldBe(["API_KEY"]);
        tooLong.ErrorFields.ShouldBe(["API_KEY"]);
        nothing.ErrorFields.ShouldBe(["body"]);
        shared.ErrorFields.ShouldBe(["backend"]);
        unknown.Text.ShouldNotContain(BobKey);
        tooLong.Text.ShouldNotContain(new string('k', 4097));
        (await SendAsync(_admin, HttpMethod.Get, "/api/connections")).Text.ShouldBe(before);
    }

    [Fact]
    public async Task EveryonesConnections_AreForAdministrators_WhoRevoke_AndTheMemberDisconnectsTheirOwn()
    {
        (await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["API_KEY"] = BobKey })).Status.ShouldBe(HttpStatusCode.OK);

        (await SendAsync(_bob, HttpMethod.Get, "/api/connections")).ShouldBeProblem(HttpStatusCode.Forbidden);
        (await SendAsync(_bob, HttpMethod.Delete, $"/api/connections/keyed/{AuthGatewayFixture.Member}")).ShouldBeProblem(HttpStatusCode.Forbidden);
        (await SendAsync(_bob, HttpMethod.Post, $"/api/connections/keyed/{AuthGatewayFixture.Member}/approve")).ShouldBeProblem(HttpStatusCode.Forbidden);
        (await SendAsync(_admin, HttpMethod.Get, "/api/connections")).Json!.AsArray().Count.ShouldBe(1);

        (await SendAsync(_admin, HttpMethod.Delete, $"/api/connections/keyed/{AuthGatewayFixture.Member}")).Status.ShouldBe(HttpStatusCode.NoContent);
        (await SendAsync(_admin, HttpMethod.Delete, $"/api/connections/keyed/{AuthGatewayFixture.Member}")).ShouldBeProblem(HttpStatusCode.NotFound);
        (await SendAsync(_admin, HttpMethod.Delete, "/api/connections/keyed/nobody")).ShouldBeProblem(HttpStatusCode.NotFound);
        (await SendAsync(_admin, HttpMethod.Get, "/api/connections")).Json!.AsArray().ShouldBeEmpty();
        Secrets((await SendAsync(_bob, HttpMethod.Get, "/api/me/connections")).Json!.AsArray().Single()!).ShouldBe([("API_KEY", false), ("REGION", false)]);

        (await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["API_KEY"] = BobKey })).Status.ShouldBe(HttpStatusCode.OK);
        (await SendAsync(_bob, HttpMethod.Delete, "/api/me/connections/keyed")).Status.ShouldBe(HttpStatusCode.NoContent);
        (await SendAsync(_bob, HttpMethod.Delete, "/api/me/connections/keyed")).ShouldBeProblem(HttpStatusCode.NotFound);
        (await SendAsync(_admin, HttpMethod.Get, "/api/connections")).Json!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task RemovingOrDisablingAUser_DeletesTheirConnections()
    {
        using var carol = await DashboardClient.SignInAsync(_gateway.BaseUrl, Carol, CarolPassword);
        (await SendAsync(_bob, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["API_KEY"] = BobKey })).Status.ShouldBe(HttpStatusCode.OK);
        (await SendAsync(carol, HttpMethod.Put, "/api/me/connections/keyed/secrets", new JsonObject { ["API_KEY"] = "carol-key" })).Status.ShouldBe(HttpStatusCode.OK);

        (await SendAsync(_admin, HttpMethod.Patch, $"/api/users/{Carol}", new JsonObject { ["disabled"] = true })).Status.ShouldBe(HttpStatusCode.OK);
        (await SendAsync(_admin, HttpMethod.Get, "/api/connections")).Json!.AsArray().Select(c => c!["user"]!.GetValue<string>()).ShouldBe([AuthGatewayFixture.Member]);

        (await SendAsync(_admin, HttpMethod.Delete, $"/api/users/{AuthGatewayFixture.Member}")).Status.ShouldBe(HttpStatusCode.NoContent);
        (await SendAsync(_admin, HttpMethod.Get, "/api/connections")).Json!.AsArray().ShouldBeEmpty();
    }

    private static IReadOnlyList<(string Name, bool Set)> Secrets(JsonNode connection) =>
        [.. connection["secrets"]!.AsArray().Select(s => (s!["name"]!.GetValue<string>(), s["setAt"] is not null))];

    private static async Task<RestResponse> SendAsync(HttpClient client, HttpMethod method, string path, JsonNode? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new RestResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text.Length == 0 ? null : JsonNode.Parse(text), text);
    }
}

/// <summary>Without authentication the caller is the one local user: their connection is listed as <c>local</c>.</summary>
public sealed class ConnectionApiAuthOffTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;
    private RestClient _rest = null!;

    public async Task InitializeAsync()
    {
        var keyed = ConfigBuilder.StdioTestServer("keyed", ["web"]);
        keyed["credentials"] = "perUser";
        keyed["env"] = new JsonObject { ["API_KEY"] = "${user:API_KEY}" };
        _gateway = await GatewayUnderTest.StartAsync(new ConfigBuilder().Add("keyed", keyed));
        _rest = new RestClient(_gateway);
    }

    public async Task DisposeAsync()
    {
        _rest.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task TheLocalUser_SetsSecrets_ListedAsLocal_AndRevokedByThatName()
    {
        var set = await _rest.PutAsync("/api/me/connections/keyed/secrets", new JsonObject { ["API_KEY"] = "local-key-41" });
        set.Status.ShouldBe(HttpStatusCode.OK, set.Text);
        set.Json!["connected"]!.GetValue<bool>().ShouldBeTrue();

        var all = await _rest.GetAsync("/api/connections");
        all.Status.ShouldBe(HttpStatusCode.OK, all.Text);
        all.Json!.AsArray().ShouldHaveSingleItem()!["user"]!.GetValue<string>().ShouldBe("local");
        all.Text.ShouldNotContain("local-key-41");

        (await _rest.DeleteAsync("/api/connections/keyed/local")).Status.ShouldBe(HttpStatusCode.NoContent);
        (await _rest.GetAsync("/api/me/connections")).Json!.AsArray().Single()!["connected"]!.GetValue<bool>().ShouldBeFalse();
    }
}
