using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.PerUser;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// A per-user backend that requires OAuth (the test server with <c>--require-oauth</c>, whose <c>token_subject</c>
/// tool says whose token a call carried), end to end through the gateway (ADR 0033): alice and bob connect it with
/// their own accounts from "My connections" and their calls reach it as themselves, carol (not connected) is told
/// where to connect, each user's short-lived token is renewed for that user (also when the backend refuses it early),
/// an administrator's revocation and a user's removal end that user's connection.
/// </summary>
public sealed class PerUserOAuthBackendTests : IAsyncLifetime
{
    private const string Password = "a long enough password for tests";
    private const string Admin = "ada";
    private const string RedirectUri = "http://127.0.0.1:45571/cb";
    private const string Tool = "vault_1mcp_token_subject";
    private static readonly ServerName Vault = ServerName.From("vault");

    // The gateway's clock is moved by hand, so a token's lifetime passes without waiting for it.
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly List<IAsyncDisposable> _owned = [];
    private HttpTestServer _backend = null!;
    private GatewayUnderTest _gateway = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _backend = await HttpTestServer.StartAsync("vault", extraArgs: ["--require-oauth", "--access-token-lifetime", "4"]);
        _owned.Add(_backend);
        var vault = ConfigBuilder.HttpServer(_backend.McpUrl, ["secure"]);
        vault["credentials"] = "perUser";
        _gateway = await GatewayUnderTest.StartWithAuthAsync(
            new ConfigBuilder().Add("vault", vault), configureBuilder: builder => builder.Services.AddSingleton<TimeProvider>(_clock));
        _owned.Add(_gateway);
        await _gateway.AddUserAsync(Admin, Password, "admin");
        foreach (var member in new[] { "alice", "bob", "carol" })
        {
            await _gateway.AddUserAsync(member, Password);
        }

        _admin = await DashboardClient.SignInAsync(_gateway.BaseUrl, Admin, Password);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    [Fact]
    public async Task EachUserReachesTheBackendAsTheirOwnAccount_AndAUserWhoDidNotConnectIsToldWhere()
    {
        await ConnectAsync("alice", "alice-at-vault");
        await ConnectAsync("bob", "bob-at-vault");
        await using var alice = await ClientAsync("alice");
        await using var bob = await ClientAsync("bob");
        await using var carol = await ClientAsync("carol");

        (await SubjectAsync(alice)).ShouldBe("alice-at-vault");
        (await SubjectAsync(bob)).ShouldBe("bob-at-vault");
        var refused = await carol.CallToolAsync(Tool);

        refused.IsError.ShouldBe(true);
        var sentence = Text(refused);
        sentence.ShouldContain("'vault'");
        sentence.ShouldContain(new Uri(_gateway.BaseUrl, "/oauth#connections").AbsoluteUri);
        PerUserEntry().InstanceCount.ShouldBe(2);
    }

    [Fact]
    public async Task EachUsersShortLivedToken_IsRenewedForThatUser_AndStillReachesTheBackendAsThem()
    {
        await ConnectAsync("alice", "alice-at-vault");
        await ConnectAsync("bob", "bob-at-vault");
        await using var alice = await ClientAsync("alice");
        await using var bob = await ClientAsync("bob");

        for (var i = 0; i < 3; i++)
        {
            (await SubjectAsync(alice)).ShouldBe("alice-at-vault");
            (await SubjectAsync(bob)).ShouldBe("bob-at-vault");
            _clock.Advance(TimeSpan.FromSeconds(3));
        }

        using var probe = new HttpClient();
        var stats = await probe.GetFromJsonAsync<JsonObject>(new Uri(_backend.BaseUrl, "/test-oauth/stats"));
        stats!["refreshes"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(4, "each user's token renewed before each of their calls after the first");
    }

    [Fact]
    public async Task AUsersTokenTheBackendStopsAccepting_IsRenewedForThatUser_AndTheCallStillReachesTheBackendAsThem()
    {
        await ConnectAsync("alice", "alice-at-vault");
        await using var alice = await ClientAsync("alice");
        (await SubjectAsync(alice)).ShouldBe("alice-at-vault");
        using var probe = new HttpClient();

        // The backend drops every access token before its time; alice's refresh token still works.
        (await probe.PostAsync(new Uri(_backend.BaseUrl, "/test-oauth/revoke-access-tokens"), content: null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await SubjectAsync(alice)).ShouldBe("alice-at-vault");
        var stats = await probe.GetFromJsonAsync<JsonObject>(new Uri(_backend.BaseUrl, "/test-oauth/stats"));
        stats!["refreshes"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(1, "alice's refused token renewed");
    }

    [Fact]
    public async Task AnAdministratorRevokesAlicesConnection_HerNextCallIsToldToConnect_AndBobIsUntouched()
    {
        await ConnectAsync("alice", "alice-at-vault");
        await ConnectAsync("bob", "bob-at-vault");
        await using var alice = await ClientAsync("alice");
        await using var bob = await ClientAsync("bob");
        (await SubjectAsync(alice)).ShouldBe("alice-at-vault");

        using var revoke = await _admin.DeleteAsync("/api/connections/vault/alice");

        revoke.StatusCode.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.NoContent);
        var refused = await alice.CallToolAsync(Tool);
        refused.IsError.ShouldBe(true);
        Text(refused).ShouldContain("/oauth#connections");
        (await SubjectAsync(bob)).ShouldBe("bob-at-vault");
        (await ConnectionsAsync()).ShouldBe(["bob"]);
    }

    [Fact]
    public async Task AlicesGrantWithdrawnAtTheBackend_HerVeryNextCallIsToldToConnectAgain()
    {
        await ConnectAsync("alice", "alice-at-vault");
        await using var alice = await ClientAsync("alice");
        (await SubjectAsync(alice)).ShouldBe("alice-at-vault");
        using var probe = new HttpClient();

        // Withdrawn at the backend's authorization server: her access token is refused, and so is its renewal.
        (await probe.PostAsync(new Uri(_backend.BaseUrl, "/test-oauth/revoke-all"), content: null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var refused = await alice.CallToolAsync(Tool);
        refused.IsError.ShouldBe(true);
        var sentence = Text(refused);
        sentence.ShouldContain("connect your account again");
        sentence.ShouldContain(new Uri(_gateway.BaseUrl, "/oauth#connections").AbsoluteUri);

        // Her tokens are gone now: later calls are told she has not given her authorization, until she connects again.
        var again = await alice.CallToolAsync(Tool);
        again.IsError.ShouldBe(true);
        Text(again).ShouldContain("/oauth#connections");
        await Eventually.TrueAsync(() => PerUserEntry().InstanceCount == 0, "alice's connection, which can no longer authorize, stopped");
    }

    [Fact]
    public async Task RemovingAUser_DeletesTheirConnection_AndStopsTheirInstance()
    {
        await ConnectAsync("alice", "alice-at-vault");
        await ConnectAsync("bob", "bob-at-vault");
        await using (var bob = await ClientAsync("bob"))
        {
            (await SubjectAsync(bob)).ShouldBe("bob-at-vault");
        }

        await using var alice = await ClientAsync("alice");
        (await SubjectAsync(alice)).ShouldBe("alice-at-vault");
        PerUserEntry().InstanceCount.ShouldBe(2);

        using var removed = await _admin.DeleteAsync("/api/users/bob");

        removed.IsSuccessStatusCode.ShouldBeTrue(await removed.Content.ReadAsStringAsync());
        (await ConnectionsAsync()).ShouldBe(["alice"]);
        PerUserEntry().InstanceCount.ShouldBe(1);
        (await SubjectAsync(alice)).ShouldBe("alice-at-vault");
    }

    [Fact]
    public async Task RemovingTheBackend_EndsEveryUsersConnection_EvenWhenItIsAddedAgainUnderTheSameName()
    {
        const string Added = "safe";
        var definition = ConfigBuilder.HttpServer(_backend.McpUrl, ["secure"]);
        definition["name"] = Added;
        definition["credentials"] = "perUser";
        await AddBackendAsync(definition);
        await ConnectAsync("alice", "alice-at-vault", Added);
        await using (var alice = await ClientAsync("alice"))
        {
            (await SubjectAsync(alice, $"{Added}_1mcp_token_subject")).ShouldBe("alice-at-vault");
        }

        using (var removed = await _admin.DeleteAsync($"/api/backends/{Added}"))
        {
            removed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await removed.Content.ReadAsStringAsync());
        }

        await AddBackendAsync(definition);
        await ConnectAsync("bob", "bob-at-vault", Added);
        await using var again = await ClientAsync("alice");

        // Her tokens went with the backend: she connects again like anyone new, her old account is not used behind her back.
        var refused = await again.CallToolAsync($"{Added}_1mcp_token_subject");
        refused.IsError.ShouldBe(true, Text(refused));
        Text(refused).ShouldContain("/oauth#connections");
    }

    private async Task AddBackendAsync(JsonObject definition)
    {
        using var created = await _admin.PostAsJsonAsync("/api/backends", definition);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    /// <summary>What "Connect account" in My connections does, in the user's signed-in browser, as their account at the backend.</summary>
    private async Task ConnectAsync(string user, string account, string backend = "vault")
    {
        using var browser = await DashboardClient.SignInAsync(_gateway.BaseUrl, user, Password);
        using var start = await browser.PostAsync($"/api/me/connections/{backend}/oauth/authorize", content: null);
        var body = await start.Content.ReadAsStringAsync();
        start.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        var consent = await TestBackendConsent.DecideAsync(new Uri(JsonNode.Parse(body)!["authorizationUrl"]!.GetValue<string>()), allow: true, account);

        using var callback = await browser.GetAsync(consent.Redirect.Location);

        callback.StatusCode.ShouldBe(HttpStatusCode.Found);
        callback.Headers.Location!.OriginalString.ShouldBe($"/oauth?connected={backend}#connections");
        await Eventually.TrueAsync(() => _gateway.Backend(backend).State.Status == Application.Backends.BackendStatus.Connected, $"{backend}'s catalogue");
    }

    private async Task<List<string>> ConnectionsAsync()
    {
        var listed = await _admin.GetFromJsonAsync<JsonArray>("/api/connections?backend=vault");
        return [.. listed!.Select(c => c!["user"]!.GetValue<string>()).Order(StringComparer.Ordinal)];
    }

    private async Task<McpClient> ClientAsync(string user)
    {
        var token = await new OAuthFlowDriver(_gateway.BaseUrl).AccessTokenAsync(RedirectUri, ["tag:secure"], user, Password);
        var client = await EraClient.ConnectAsync(_gateway, ProtocolEras.Legacy, token);
        return client;
    }

    private PerUserBackendConnection PerUserEntry() => (PerUserBackendConnection)_gateway.Backend("vault");

    private static async Task<string> SubjectAsync(McpClient client, string tool = Tool)
    {
        var result = await client.CallToolAsync(tool);
        result.IsError.ShouldNotBe(true, Text(result));
        return Text(result);
    }

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
}
