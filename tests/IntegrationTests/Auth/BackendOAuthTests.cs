using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using OneMcp.Domain.AuthorizationRequests;
using OneMcp.Domain.Backends;
using OneMcp.Infrastructure.Backends.OAuth;
using OneMcp.Infrastructure.Persistence;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// The gateway as an OAuth client of a backend that requires OAuth (the test server with <c>--require-oauth</c>):
/// Awaiting OAuth, Authorize, the backend's consent, the callback with its state, the administrator's Approve or
/// Deny, Authorized with its tools reaching clients, refresh, Restart OAuth, and the credentials encrypted at rest.
/// </summary>
public sealed class BackendOAuthTests : IAsyncLifetime
{
    private const string Admin = "ada";
    private const string AdminPassword = "correct horse battery staple";
    private const string Member = "bob";
    private const string MemberPassword = "tr0ub4dor&3 is long enough";
    private const string McpRedirect = "http://127.0.0.1:46011/cb";
    private readonly List<IAsyncDisposable> _owned = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    [Fact]
    public async Task ABackendThatAnswers401_IsAwaitingOAuth()
    {
        var (_, gateway, admin) = await StartAsync();

        var vault = await VaultAsync(admin, b => b["runtime"]!["status"]!.GetValue<string>() == "awaitingOAuth");

        vault["runtime"]!["oauth"]!["required"]!.GetValue<bool>().ShouldBeTrue();
        vault["runtime"]!["oauth"]!["authorized"]!.GetValue<bool>().ShouldBeFalse();
        gateway.Backend("vault").State.Status.ShouldBe(Application.Backends.BackendStatus.AwaitingOAuth);
    }

    [Fact]
    public async Task Authorize_ConsentAndApprove_ConnectsTheBackendAuthorizedAndItsToolsReachClients()
    {
        var (_, gateway, admin) = await StartAsync();
        await VaultAsync(admin, b => b["runtime"]!["status"]!.GetValue<string>() == "awaitingOAuth");
        var listChanged = new NotificationLog();
        await using var client = await ConnectWithTokenAsync(gateway, listChanged);
        (await client.ListToolsAsync()).ShouldNotContain(t => t.Name.StartsWith("vault_", StringComparison.Ordinal));

        var redirect = await AuthorizeAsync(admin, "vault");
        var consent = await TestBackendConsent.DecideAsync(redirect, allow: true);
        using var callback = await admin.GetAsync(consent.Redirect.Location);
        var requestId = RequestIdFrom(callback);
        var waiting = await VaultAsync(admin, _ => true);
        var pending = await admin.GetFromJsonAsync<JsonArray>("/api/authorization-requests");
        using var approve = await admin.PostAsync($"/api/authorization-requests/{requestId}/approve", content: null);
        var authorized = await VaultAsync(admin, b => b["runtime"]!["status"]!.GetValue<string>() == "connected");
        await listChanged.AtLeastAsync(1, "tools/list_changed after the approval");
        var tools = await client.ListToolsAsync();

        consent.Title.ShouldStartWith("Test backend");
        callback.StatusCode.ShouldBe(HttpStatusCode.Found);
        waiting["runtime"]!["status"]!.GetValue<string>().ShouldBe("awaitingOAuth");
        waiting["runtime"]!["oauth"]!["pendingRequestId"]!.GetValue<string>().ShouldBe(requestId);
        var listed = pending!.Single(r => r!["id"]!.GetValue<string>() == requestId)!;
        listed["kind"]!.GetValue<string>().ShouldBe("backendConnection");
        listed["backendName"]!.GetValue<string>().ShouldBe("vault");
        listed["userName"]!.GetValue<string>().ShouldBe(Admin);
        approve.StatusCode.ShouldBe(HttpStatusCode.OK, await approve.Content.ReadAsStringAsync());
        authorized["runtime"]!["oauth"]!["authorized"]!.GetValue<bool>().ShouldBeTrue();
        authorized["runtime"]!["oauth"]!["pendingRequestId"].ShouldBeNull();
        tools.ShouldContain(t => t.Name == "vault_1mcp_echo");
        var echoed = await client.CallToolAsync("vault_1mcp_echo", new Dictionary<string, object?> { ["message"] = "through oauth" });
        echoed.IsError.ShouldNotBe(true);
    }

    [Fact]
    public async Task Deny_DiscardsTheTokensAndLeavesTheBackendAwaitingOAuth()
    {
        var (_, gateway, admin) = await StartAsync();
        var consent = await TestBackendConsent.DecideAsync(await AuthorizeAsync(admin, "vault"), allow: true);
        using var callback = await admin.GetAsync(consent.Redirect.Location);
        var requestId = Guid.Parse(RequestIdFrom(callback));
        var requests = gateway.Services.GetRequiredService<IAuthorizationRequestRepository>();
        var before = await requests.FindAsync(requestId, CancellationToken.None);

        using var deny = await admin.PostAsync($"/api/authorization-requests/{requestId}/deny", content: null);
        var after = await requests.FindAsync(requestId, CancellationToken.None);
        var stored = await gateway.Services.GetRequiredService<BackendCredentialStore>().LoadAsync(ServerName.From("vault"), CancellationToken.None);

        before.ShouldBeOfType<BackendConnectionRequest>().ProtectedTokens.ShouldNotBeEmpty();
        deny.StatusCode.ShouldBe(HttpStatusCode.OK);
        after!.Status.ShouldBe(AuthorizationRequestStatus.Denied);
        after.ShouldBeOfType<BackendConnectionRequest>().ProtectedTokens.ShouldBeEmpty();
        stored.Credentials.Tokens.ShouldBeNull();
        (await VaultAsync(admin, _ => true))["runtime"]!["status"]!.GetValue<string>().ShouldBe("awaitingOAuth");
    }

    [Fact]
    public async Task Callback_WithAWrongState_IsRefusedAndChangesNothing_AndAReplayedOneToo()
    {
        var (_, gateway, admin) = await StartAsync();
        var consent = await TestBackendConsent.DecideAsync(await AuthorizeAsync(admin, "vault"), allow: true);
        var forged = new UriBuilder(consent.Redirect.Location) { Query = $"code={consent.Redirect.Code}&state=forged" }.Uri;

        using var wrong = await admin.GetAsync(forged);
        using var right = await admin.GetAsync(consent.Redirect.Location);
        using var replayed = await admin.GetAsync(consent.Redirect.Location);
        var pending = (await gateway.Services.GetRequiredService<IAuthorizationRequestRepository>().ListPendingAsync(DateTimeOffset.UtcNow, CancellationToken.None))
            .OfType<BackendConnectionRequest>().Where(r => r.BackendName == "vault").ToList();

        ErrorFrom(wrong).ShouldBe("invalid_state");
        // What failed reaches the dashboard in a cookie only this answer sets, never in the URL (where any link could
        // put any text into the dashboard's alert).
        DashboardRedirectParameter(wrong, "error_description").ShouldBeNull();
        var failure = Uri.UnescapeDataString(wrong.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("onemcp_oauth_error=", StringComparison.Ordinal)));
        failure.ShouldContain("\"code\":\"invalid_state\"");
        failure.ShouldContain("\"backend\":\"vault\"");
        failure.ShouldContain("path=/oauth", Case.Insensitive);
        RequestIdFrom(right).ShouldNotBeNullOrEmpty();
        ErrorFrom(replayed).ShouldBe("invalid_state");
        pending.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Callback_InAnotherUsersBrowser_IsRefused()
    {
        var (_, gateway, admin) = await StartAsync();
        var consent = await TestBackendConsent.DecideAsync(await AuthorizeAsync(admin, "vault"), allow: true);
        using var member = await DashboardClient.SignInAsync(gateway.BaseUrl, Member, MemberPassword);
        using var anonymous = DashboardClient.Open(gateway.BaseUrl);

        using var asMember = await member.GetAsync(consent.Redirect.Location);
        using var signedOut = await anonymous.GetAsync(consent.Redirect.Location);
        using var asAdmin = await admin.GetAsync(consent.Redirect.Location);

        ErrorFrom(asMember).ShouldBe("invalid_state");
        signedOut.Headers.Location!.OriginalString.ShouldStartWith("/login");
        RequestIdFrom(asAdmin).ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task BackendOAuthActions_WithAMemberSessionOrWithoutCsrf_AreRefused()
    {
        var (_, gateway, _) = await StartAsync();
        using var member = await DashboardClient.SignInAsync(gateway.BaseUrl, Member, MemberPassword);
        using var noCsrf = await CookieOnlyAsync(gateway);
        using var anonymous = DashboardClient.Open(gateway.BaseUrl);

        foreach (var path in new[] { "/api/backends/vault/oauth/authorize", "/api/backends/vault/oauth/restart" })
        {
            (await member.PostAsync(path, content: null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
            (await noCsrf.PostAsync(path, content: null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
            (await anonymous.PostAsync(path, content: null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
        }

        (await member.GetAsync("/api/authorization-requests")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var stored = await gateway.Services.GetRequiredService<BackendCredentialStore>().LoadAsync(ServerName.From("vault"), CancellationToken.None);
        stored.Credentials.IsEmpty.ShouldBeTrue();
    }

    [Fact]
    public async Task StoredTokens_AreEncryptedInTheDatabaseFile()
    {
        var (_, gateway, admin) = await StartAsync();
        await AuthorizeAndApproveAsync(admin, "vault");
        var stored = await gateway.Services.GetRequiredService<BackendCredentialStore>().LoadAsync(ServerName.From("vault"), CancellationToken.None);
        var accessToken = stored.Credentials.Tokens!.AccessToken;
        var refreshToken = stored.Credentials.Tokens.RefreshToken!;

        var file = Path.Combine(gateway.DataDirectory, PersistenceOptions.SqliteFileName);
        var bytes = await ReadAllSharedAsync(file);
        if (File.Exists(file + "-wal"))
        {
            bytes = [.. bytes, .. await ReadAllSharedAsync(file + "-wal")];
        }

        // The stored ring as the gateway reads it (a reader without its key refuses an encrypted ring).
        var keyRing = string.Join('\n', gateway.Services.GetRequiredService<Infrastructure.Persistence.DataProtection.DapperXmlRepository>()
            .GetAllElements().Select(e => e.ToString()));

        accessToken.Length.ShouldBeGreaterThan(20);
        keyRing.ShouldNotContain("<masterKey", customMessage: "the key ring that decrypts them is in the database file in clear");
        File.Exists(Path.Combine(gateway.DataDirectory, Infrastructure.Persistence.DataProtection.KeyRingEncryptionKey.FileName)).ShouldBeTrue();
        Contains(bytes, accessToken).ShouldBeFalse("the access token is in the database file in clear");
        Contains(bytes, refreshToken).ShouldBeFalse("the refresh token is in the database file in clear");
        Contains(bytes, "accessToken").ShouldBeFalse("the credentials JSON is in the database file in clear");
    }

    [Fact]
    public async Task RestartOAuth_DiscardsTheCredentials_AndTheBackendAwaitsOAuthAgain()
    {
        var (_, gateway, admin) = await StartAsync();
        await AuthorizeAndApproveAsync(admin, "vault");

        using var restart = await admin.PostAsync("/api/backends/vault/oauth/restart", content: null);
        var after = await VaultAsync(admin, b => b["runtime"]!["status"]!.GetValue<string>() == "awaitingOAuth");
        var stored = await gateway.Services.GetRequiredService<BackendCredentialStore>().LoadAsync(ServerName.From("vault"), CancellationToken.None);

        restart.StatusCode.ShouldBe(HttpStatusCode.OK, await restart.Content.ReadAsStringAsync());
        after["runtime"]!["oauth"]!["authorized"]!.GetValue<bool>().ShouldBeFalse();
        stored.Credentials.IsEmpty.ShouldBeTrue();
    }

    [Fact]
    public async Task RemovingABackend_DeletesItsCredentials_EvenWhenItIsAddedAgainUnderTheSameName()
    {
        const string Added = "safe";
        var (backend, _, admin) = await StartAsync();
        var definition = ConfigBuilder.HttpServer(backend.McpUrl, ["secure"]);
        definition["name"] = Added;
        await AddBackendAsync(admin, definition);
        await AuthorizeAndApproveAsync(admin, Added);

        using (var removed = await admin.DeleteAsync($"/api/backends/{Added}"))
        {
            removed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await removed.Content.ReadAsStringAsync());
        }

        await AddBackendAsync(admin, definition);
        var again = await BackendAsync(admin, Added, b => b["runtime"]!["status"]!.GetValue<string>() != "connecting");

        // The removed backend's tokens went with it: the one added under its name is authorized afresh, not called with them.
        again["runtime"]!["status"]!.GetValue<string>().ShouldBe("awaitingOAuth");
        again["runtime"]!["oauth"]!["authorized"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task ShortLivedTokens_AreRefreshedBeforeTheyExpire_AndAFailedRefreshSendsTheBackendBackToAwaitingOAuth()
    {
        // The gateway's clock is moved by hand: half a lifetime passes between calls without waiting for it.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (backend, gateway, admin) = await StartAsync(clock, "--access-token-lifetime", "4");
        await AuthorizeAndApproveAsync(admin, "vault");
        await using var client = await ConnectWithTokenAsync(gateway);

        // Calls over a few token lifetimes: each one succeeds because the gateway renews the token in time.
        for (var i = 0; i < 4; i++)
        {
            (await client.CallToolAsync("vault_1mcp_echo", new Dictionary<string, object?> { ["message"] = $"call {i}" })).IsError.ShouldNotBe(true);
            clock.Advance(TimeSpan.FromSeconds(2));
        }

        using var probe = new HttpClient();
        var stats = await probe.GetFromJsonAsync<JsonObject>(new Uri(backend.BaseUrl, "/test-oauth/stats"));
        stats!["refreshes"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(3, "one renewal before each call after the first");

        (await probe.PostAsync(new Uri(backend.BaseUrl, "/test-oauth/revoke-all"), content: null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        // Refused, whichever comes first: the failed renewal of this call's token, or the reconnect it starts.
        var refused = await Should.ThrowAsync<McpProtocolException>(() => client.CallToolAsync("vault_1mcp_echo", new Dictionary<string, object?> { ["message"] = "revoked" }).AsTask());
        refused.Message.ShouldContain("'vault'");
        var awaiting = await VaultAsync(admin, b => b["runtime"]!["status"]!.GetValue<string>() == "awaitingOAuth");

        awaiting["runtime"]!["lastError"]!.GetValue<string>().ShouldContain("Authorize it again");
    }

    [Fact]
    public async Task ARefreshThatFailsForAPassingReason_KeepsTheTokens_AndRenewsThemOnceTheServerIsBack()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (backend, gateway, admin) = await StartAsync(clock, "--access-token-lifetime", "4");
        await AuthorizeAndApproveAsync(admin, "vault");
        await using var client = await ConnectWithTokenAsync(gateway);
        (await client.CallToolAsync("vault_1mcp_echo", new Dictionary<string, object?> { ["message"] = "before" })).IsError.ShouldNotBe(true);
        using var probe = new HttpClient();
        var refreshesBefore = (await probe.GetFromJsonAsync<JsonObject>(new Uri(backend.BaseUrl, "/test-oauth/stats")))!["refreshes"]!.GetValue<int>();

        // The token endpoint goes down (503) while the access token is due for renewal but not yet expired: it is used as it is.
        (await probe.PostAsync(new Uri(backend.BaseUrl, "/test-oauth/token-outage?down=true"), content: null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        clock.Advance(TimeSpan.FromSeconds(3));
        (await client.CallToolAsync("vault_1mcp_echo", new Dictionary<string, object?> { ["message"] = "during" })).IsError.ShouldNotBe(true);

        // Expired meanwhile: the call fails, but nothing is dropped and nobody has to authorize the backend again.
        clock.Advance(TimeSpan.FromSeconds(2));
        await Should.ThrowAsync<Exception>(() => client.CallToolAsync("vault_1mcp_echo", new Dictionary<string, object?> { ["message"] = "expired" }).AsTask());
        var stored = await gateway.Services.GetRequiredService<BackendCredentialStore>().LoadAsync(ServerName.From("vault"), CancellationToken.None);
        stored.Credentials.Tokens.ShouldNotBeNull("the tokens survive an outage of the authorization server").RefreshToken.ShouldNotBeNull();
        (await VaultAsync(admin, _ => true))["runtime"]!["status"]!.GetValue<string>().ShouldNotBe("awaitingOAuth");

        // The server is back: after the pause the kept refresh token renews them, and calls work again.
        (await probe.PostAsync(new Uri(backend.BaseUrl, "/test-oauth/token-outage?down=false"), content: null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        clock.Advance(BackendTokenSource.TransientRetryDelay);
        await using var again = await ConnectWithTokenAsync(gateway);
        var after = await Eventually.ValueAsync(
            async () =>
            {
                try
                {
                    return (await again.CallToolAsync("vault_1mcp_echo", new Dictionary<string, object?> { ["message"] = "after" })).IsError != true;
                }
                catch (McpProtocolException)
                {
                    return false;
                }
            },
            ok => ok, "a call to succeed once the token endpoint is back");
        after.ShouldBeTrue();
        var refreshesAfter = (await probe.GetFromJsonAsync<JsonObject>(new Uri(backend.BaseUrl, "/test-oauth/stats")))!["refreshes"]!.GetValue<int>();
        refreshesAfter.ShouldBe(refreshesBefore + 1, "one renewal, with the refresh token kept through the outage");
    }

    [Fact]
    public async Task AnAccessTokenTheBackendStopsAccepting_IsRenewedAndTheCallSentAgain_OnTheSameConnection()
    {
        var (backend, gateway, admin) = await StartAsync();
        await AuthorizeAndApproveAsync(admin, "vault");
        await using var client = await ConnectWithTokenAsync(gateway);
        (await client.CallToolAsync("vault_1mcp_echo", new Dictionary<string, object?> { ["message"] = "before" })).IsError.ShouldNotBe(true);
        var connectedAt = gateway.Backend("vault").State.LastConnectedAt;
        using var probe = new HttpClient();

        // The backend drops every access token early (as after a key rotation); its refresh tokens still work.
        (await probe.PostAsync(new Uri(backend.BaseUrl, "/test-oauth/revoke-access-tokens"), content: null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var after = await client.CallToolAsync("vault_1mcp_echo", new Dictionary<string, object?> { ["message"] = "after" });

        after.IsError.ShouldNotBe(true);
        string.Concat(after.Content.OfType<TextContentBlock>().Select(b => b.Text)).ShouldContain("after");
        var stats = await probe.GetFromJsonAsync<JsonObject>(new Uri(backend.BaseUrl, "/test-oauth/stats"));
        stats!["refreshes"]!.GetValue<int>().ShouldBe(1, "one renewal for the refused token");
        var state = gateway.Backend("vault").State;
        state.Status.ShouldBe(Application.Backends.BackendStatus.Connected);
        state.LastConnectedAt.ShouldBe(connectedAt, "the call was sent again on the connection it was made on");
    }

    private Task<(HttpTestServer Backend, GatewayUnderTest Gateway, HttpClient Admin)> StartAsync(params string[] backendArgs) =>
        StartAsync(clock: null, backendArgs);

    private async Task<(HttpTestServer Backend, GatewayUnderTest Gateway, HttpClient Admin)> StartAsync(TimeProvider? clock, params string[] backendArgs)
    {
        var backend = await HttpTestServer.StartAsync("vault", extraArgs: ["--require-oauth", .. backendArgs]);
        _owned.Add(backend);
        var gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder()
            .Add("vault", ConfigBuilder.HttpServer(backend.McpUrl, ["secure"]))
            .Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web"])),
            configureBuilder: clock is null ? null : builder => builder.Services.AddSingleton(clock));
        _owned.Add(gateway);
        await gateway.AddUserAsync(Admin, AdminPassword, "admin");
        await gateway.AddUserAsync(Member, MemberPassword, "member");
        var admin = await DashboardClient.SignInAsync(gateway.BaseUrl, Admin, AdminPassword);
        _owned.Add(new DisposableClient(admin));
        return (backend, gateway, admin);
    }

    private static async Task<Uri> AuthorizeAsync(HttpClient admin, string backend)
    {
        using var response = await admin.PostAsync($"/api/backends/{backend}/oauth/authorize", content: null);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return new Uri(JsonNode.Parse(body)!["redirectUrl"]!.GetValue<string>());
    }

    private static async Task AuthorizeAndApproveAsync(HttpClient admin, string backend)
    {
        var consent = await TestBackendConsent.DecideAsync(await AuthorizeAsync(admin, backend), allow: true);
        using var callback = await admin.GetAsync(consent.Redirect.Location);
        using var approve = await admin.PostAsync($"/api/authorization-requests/{RequestIdFrom(callback)}/approve", content: null);
        approve.StatusCode.ShouldBe(HttpStatusCode.OK, await approve.Content.ReadAsStringAsync());
        await BackendAsync(admin, backend, b => b["runtime"]!["oauth"]!["authorized"]!.GetValue<bool>());
    }

    private static async Task AddBackendAsync(HttpClient admin, JsonObject definition)
    {
        using var created = await admin.PostAsJsonAsync("/api/backends", definition);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    private static Task<JsonObject> VaultAsync(HttpClient admin, Func<JsonObject, bool> until) => BackendAsync(admin, "vault", until);

    private static Task<JsonObject> BackendAsync(HttpClient admin, string name, Func<JsonObject, bool> until) =>
        Eventually.ValueAsync(async () => (await admin.GetFromJsonAsync<JsonObject>($"/api/backends/{name}"))!, until, $"the {name} backend's state");

    private static async Task<McpClient> ConnectWithTokenAsync(GatewayUnderTest gateway, NotificationLog? listChanged = null)
    {
        var driver = new OAuthFlowDriver(gateway.BaseUrl);
        var client = (await driver.RegisterClientAsync([McpRedirect])).ClientId!;
        var pkce = Pkce.Create();
        var code = (await driver.SignInAndApproveAsync(client, McpRedirect, [], pkce, Admin, AdminPassword)).Redirect.Code!;
        var tokens = await driver.ExchangeCodeAsync(client, code, McpRedirect, pkce.Verifier);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = gateway.Url("/mcp"),
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {tokens.AccessToken}" },
        });
        var handlers = new McpClientHandlers();
        if (listChanged is not null)
        {
            handlers.NotificationHandlers = [new(NotificationMethods.ToolListChangedNotification, listChanged.Record)];
        }

        return await McpClient.CreateAsync(transport, new McpClientOptions { Handlers = handlers, ProtocolVersion = ProtocolEras.Legacy });
    }

    private static async Task<HttpClient> CookieOnlyAsync(GatewayUnderTest gateway)
    {
        var http = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = gateway.BaseUrl };
        using var login = await http.PostAsync("/login", new FormUrlEncodedContent([
            KeyValuePair.Create("username", Admin), KeyValuePair.Create("password", AdminPassword), KeyValuePair.Create("returnUrl", "/oauth")]));
        login.StatusCode.ShouldBe(HttpStatusCode.Found);
        return http;
    }

    private static string RequestIdFrom(HttpResponseMessage callback) =>
        DashboardRedirectParameter(callback, "request")
            ?? throw new ShouldAssertException($"expected a redirect to the dashboard with the request, got {(int)callback.StatusCode} {callback.Headers.Location}");

    private static string? ErrorFrom(HttpResponseMessage callback) => DashboardRedirectParameter(callback, "error");

    // The callback sends the browser to the dashboard (a relative URL) with the outcome in its query.
    private static string? DashboardRedirectParameter(HttpResponseMessage callback, string name)
    {
        var location = callback.Headers.Location?.OriginalString ?? string.Empty;
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(new Uri("http://x"), location).Query);
        return query.TryGetValue(name, out var value) ? value.ToString() : null;
    }

    private static async Task<byte[]> ReadAllSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;

    private sealed class DisposableClient(HttpClient client) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
