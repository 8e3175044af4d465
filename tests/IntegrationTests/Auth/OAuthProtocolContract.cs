using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OneMcp.IntegrationTests.Persistence;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;
using OpenIddict.Validation;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// The OAuth rules of <c>--enable-auth</c>, end to end over HTTP against a running gateway: PKCE, redirect
/// URIs, single-use codes, refresh rotation and replay, revocation, audience, expiry, session ownership.
/// The same tests run on SQLite and on PostgreSQL.
/// </summary>
public abstract class OAuthProtocolContract(SharedGateway shared) : IAsyncLifetime
{
    protected const string User = "ada";
    protected const string Password = "correct horse battery staple";
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false });
    private readonly CookieContainer _cookies = new();

    internal GatewayUnderTest Gateway { get; private set; } = null!;

    private OffsetTimeProvider ValidationClock => shared.ValidationClock;

    private OAuthFlowDriver Driver => new(Gateway.BaseUrl);

    private const string RedirectUri = "http://127.0.0.1:45123/callback";

    // Gateways sharing one database run the same mcp.json, as replicas must: a different one would take the
    // other's configured backends away (the change feed reconciles every replica with the stored backends).
    private static ConfigBuilder SharedConfig() => new ConfigBuilder().Add("alpha", ConfigBuilder.StdioTestServer("alpha", ["web", "db"]));

    protected abstract Task<string?> ConnectionStringAsync();

    public async Task InitializeAsync()
    {
        // One gateway for the class (each test registers its own client): starting one per test costs too much.
        Gateway = await shared.GetOrStartAsync(async clock =>
        {
            var gateway = await GatewayUnderTest.StartWithAuthAsync(
                SharedConfig(),
                await ConnectionStringAsync(),
                configureBuilder: b => b.Services.Configure<OpenIddictValidationOptions>(o => o.TimeProvider = clock));
            await gateway.AddUserAsync(User, Password, "admin");
            return gateway;
        });
        ValidationClock.Offset = TimeSpan.Zero;
        _http.BaseAddress = Gateway.BaseUrl;
    }

    public Task DisposeAsync()
    {
        _http.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task FullFlow_IssuesAnAccessTokenThatOpensAnMcpSession()
    {
        var tokens = await GrantAsync(["tag:web", "offline_access"]);

        tokens.TokenType.ShouldBe("Bearer");
        tokens.Scope!.Split(' ').ShouldBe(["tag:web", "offline_access"], ignoreOrder: true);
        tokens.RefreshToken.ShouldNotBeNullOrEmpty();
        tokens.ExpiresIn!.Value.ShouldBeInRange(3500, 3600);
        (await InitializeAsync(tokens.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Authorize_WithoutCodeChallenge_IsRefusedWithInvalidRequest()
    {
        var client = await RegisterAsync();

        var error = await AuthorizeErrorAsync($"response_type=code&client_id={client}&redirect_uri={Uri.EscapeDataString(RedirectUri)}&state=s1");

        error.ShouldContain("error:invalid_request");
        error.ShouldContain("code_challenge");
    }

    [Fact]
    public async Task Authorize_WithPlainCodeChallenge_IsRefusedWithInvalidRequest()
    {
        var client = await RegisterAsync();

        var error = await AuthorizeErrorAsync($"response_type=code&client_id={client}&redirect_uri={Uri.EscapeDataString(RedirectUri)}&code_challenge=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq&code_challenge_method=plain&state=s2");

        error.ShouldContain("error:invalid_request");
        error.ShouldContain("code_challenge_method");
    }

    [Fact]
    public async Task Token_WithTheWrongVerifier_IsRefusedAndTheCodeStaysUnusable()
    {
        var client = await RegisterAsync();
        var pkce = Pkce.Create();
        var code = await CodeAsync(client, pkce, ["tag:web"]);

        var wrong = await Driver.ExchangeCodeAsync(client, code, RedirectUri, Pkce.Create().Verifier);

        wrong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        wrong.Error.ShouldBe("invalid_grant");
    }

    [Fact]
    public async Task Authorize_WithAnUnregisteredRedirectUri_IsRefusedWithoutRedirecting()
    {
        var client = await RegisterAsync();

        using var response = await _http.GetAsync($"/authorize?response_type=code&client_id={client}&redirect_uri={Uri.EscapeDataString("https://evil.example.com/cb")}&code_challenge={Pkce.Create().Challenge}&code_challenge_method=S256");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Headers.Location.ShouldBeNull();
    }

    [Fact]
    public async Task Authorize_WithARegisteredLoopbackUriOnAnotherPort_IsAccepted()
    {
        var client = await RegisterAsync();
        var pkce = Pkce.Create();
        const string OtherPort = "http://127.0.0.1:51999/callback";

        var result = await Driver.SignInAndApproveAsync(client, OtherPort, ["tag:web"], pkce, User, Password);
        var tokens = await Driver.ExchangeCodeAsync(client, result.Redirect.Code!, OtherPort, pkce.Verifier);

        result.Redirect.Location.GetLeftPart(UriPartial.Path).ShouldBe(OtherPort);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
    }

    [Fact]
    public async Task Authorize_ALoopbackUriWithAnotherPath_IsRefused()
    {
        var client = await RegisterAsync();

        using var response = await _http.GetAsync($"/authorize?response_type=code&client_id={client}&redirect_uri={Uri.EscapeDataString("http://127.0.0.1:51999/other")}&code_challenge={Pkce.Create().Challenge}&code_challenge_method=S256");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Authorize_WithoutARedirectUri_AnswersTheClientsOnlyRegisteredOne()
    {
        // RFC 6749 §3.1.2.3: a client with one registered redirect URI may leave it out; the answer goes there.
        var client = await RegisterAsync();
        var pkce = Pkce.Create();
        var uri = Driver.BuildAuthorizeUri(client, RedirectUri, ["tag:web"], "s9", pkce);
        var withoutRedirect = new UriBuilder(uri) { Query = string.Join('&', uri.Query.TrimStart('?').Split('&').Where(p => !p.StartsWith("redirect_uri=", StringComparison.Ordinal))) }.Uri;

        var result = await OAuthFlowDriver.AuthorizeAtAsync(withoutRedirect, RedirectUri, User, Password);
        var tokens = await Driver.ExchangeCodeAsync(client, result.Redirect.Code!, redirectUri: null, pkce.Verifier);

        result.Redirect.Location.GetLeftPart(UriPartial.Path).ShouldBe(RedirectUri);
        result.Redirect.State.ShouldBe("s9");
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
    }

    [Theory]
    [InlineData("redirect_uri", "https%3A%2F%2Fevil.example.com%2Fcb")]
    [InlineData("state", "other")]
    [InlineData("scope", "tag%3Adb")]
    public async Task Authorize_WithARepeatedParameter_IsRefusedWithoutRedirecting(string name, string second)
    {
        var client = await RegisterAsync();
        var query = Driver.BuildAuthorizeUri(client, RedirectUri, ["tag:web"], "s", Pkce.Create()).Query.TrimStart('?');

        var error = await AuthorizeErrorAsync($"{query}&{name}={second}");

        error.ShouldContain("error:invalid_request");
        error.ShouldContain($"'{name}'");
    }

    [Fact]
    public async Task Code_UsedTwice_IsRefusedTheSecondTimeAndRevokesTheFirstTokens()
    {
        var client = await RegisterAsync();
        var pkce = Pkce.Create();
        var code = await CodeAsync(client, pkce, ["tag:web"]);

        var first = await Driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        var second = await Driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);

        first.IsSuccess.ShouldBeTrue(first.Body);
        second.Error.ShouldBe("invalid_grant");
        (await InitializeAsync(first.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Code_RedeemedConcurrently_WorksExactlyOnce()
    {
        var client = await RegisterAsync();
        var pkce = Pkce.Create();
        var code = await CodeAsync(client, pkce, ["tag:web"]);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier)));

        results.Count(r => r.IsSuccess).ShouldBe(1);
        results.Where(r => !r.IsSuccess).ShouldAllBe(r => r.Error == "invalid_grant");
    }

    [Fact]
    public async Task Refresh_RotatesTheTokenAndKeepsTheScopes()
    {
        var (client, tokens) = await GrantWithClientAsync(["tag:web", "tag:db", "offline_access"]);

        var refreshed = await Driver.RefreshAsync(client, tokens.RefreshToken!);

        refreshed.IsSuccess.ShouldBeTrue(refreshed.Body);
        refreshed.RefreshToken.ShouldNotBe(tokens.RefreshToken);
        refreshed.AccessToken.ShouldNotBe(tokens.AccessToken);
        refreshed.Scope!.Split(' ').ShouldBe(["tag:web", "tag:db", "offline_access"], ignoreOrder: true);
        (await InitializeAsync(refreshed.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Refresh_WithANarrowerScope_NarrowsAndNeverWidensAgain()
    {
        var (client, tokens) = await GrantWithClientAsync(["tag:web", "tag:db", "offline_access"]);

        var narrowed = await Driver.RefreshAsync(client, tokens.RefreshToken!, scope: "tag:web offline_access");
        var widened = await Driver.RefreshAsync(client, narrowed.RefreshToken!, scope: "tag:web tag:db offline_access");

        narrowed.IsSuccess.ShouldBeTrue(narrowed.Body);

        // RFC 6749 §5.1: the scope is left out of the answer when it is exactly the one asked for.
        (narrowed.Scope ?? "tag:web offline_access").Split(' ').ShouldBe(["tag:web", "offline_access"], ignoreOrder: true);

        // tag:db was granted at first; after narrowing, the family can never get it back.
        widened.IsSuccess.ShouldBeFalse();
        widened.Error.ShouldBeOneOf("invalid_scope", "invalid_grant");
    }

    [Fact]
    public async Task Refresh_WithAWiderScopeThanGranted_IsRefused()
    {
        var (client, tokens) = await GrantWithClientAsync(["tag:web", "offline_access"]);

        var widened = await Driver.RefreshAsync(client, tokens.RefreshToken!, scope: "tag:web tag:db offline_access");

        widened.IsSuccess.ShouldBeFalse();
        widened.Error.ShouldBeOneOf("invalid_scope", "invalid_grant");
    }

    [Fact]
    public async Task Refresh_ReplayOfAConsumedToken_RevokesTheFamilyAndItsAccessTokens()
    {
        var (client, tokens) = await GrantWithClientAsync(["tag:web", "offline_access"]);
        var rotated = await Driver.RefreshAsync(client, tokens.RefreshToken!);
        rotated.IsSuccess.ShouldBeTrue(rotated.Body);

        var replay = await Driver.RefreshAsync(client, tokens.RefreshToken!);

        replay.Error.ShouldBe("invalid_grant");
        (await Driver.RefreshAsync(client, rotated.RefreshToken!)).Error.ShouldBe("invalid_grant");
        (await InitializeAsync(rotated.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await InitializeAsync(tokens.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Refresh_ForAClientThatDidNotRegisterTheGrant_IsNeverIssued()
    {
        var client = await RegisterAsync(grantTypes: ["authorization_code"]);
        var pkce = Pkce.Create();
        var code = await CodeAsync(client, pkce, ["tag:web", "offline_access"]);

        var tokens = await Driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);

        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        tokens.RefreshToken.ShouldBeNull();
        tokens.Scope!.Split(' ').ShouldNotContain("offline_access");
    }

    [Fact]
    public async Task Revoke_AnAccessToken_TakesEffectOnTheNextRequest()
    {
        var (client, tokens) = await GrantWithClientAsync(["tag:web", "offline_access"]);
        (await InitializeAsync(tokens.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var revoked = await Driver.RevokeAsync(client, tokens.AccessToken!);

        revoked.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var after = await InitializeAsync(tokens.AccessToken!);
        after.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        after.Headers.WwwAuthenticate.ToString().ShouldContain("error=\"invalid_token\"");
    }

    [Fact]
    public async Task Revoke_ARefreshToken_EndsTheFamilyIncludingItsAccessTokens()
    {
        var (client, tokens) = await GrantWithClientAsync(["tag:web", "offline_access"]);

        (await Driver.RevokeAsync(client, tokens.RefreshToken!)).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await Driver.RefreshAsync(client, tokens.RefreshToken!)).Error.ShouldBe("invalid_grant");
        (await InitializeAsync(tokens.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Revoke_AnAccessToken_EndsTheStreamStillOpenOnIt_AndNoOther()
    {
        var (client, revoked) = await GrantWithClientAsync(["tag:web", "offline_access"]);
        var kept = await GrantAsync(["tag:web"]);
        using var revokedStream = await OpenLegacyStreamAsync(revoked.AccessToken!);
        using var keptStream = await OpenLegacyStreamAsync(kept.AccessToken!);

        (await Driver.RevokeAsync(client, revoked.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await revokedStream.EndAsync();
        using var ping = LegacyPost(kept.AccessToken!, keptStream.SessionId, """{"jsonrpc":"2.0","id":9,"method":"ping"}""");
        (await _http.SendAsync(ping)).IsSuccessStatusCode.ShouldBeTrue();
        (await keptStream.NextDataAsync()).ShouldContain("\"id\":9");
    }

    [Fact]
    public async Task Revoke_ARefreshToken_EndsTheSessionStreamOfItsFamily()
    {
        var (client, tokens) = await GrantWithClientAsync(["tag:web", "offline_access"]);
        using var opened = await InitializeAsync(tokens.AccessToken!);
        var sessionId = opened.Headers.GetValues("Mcp-Session-Id").Single();
        using var initialized = McpPost(tokens.AccessToken!, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        initialized.Headers.Add("Mcp-Session-Id", sessionId);
        (await _http.SendAsync(initialized)).IsSuccessStatusCode.ShouldBeTrue();
        using var get = new HttpRequestMessage(HttpMethod.Get, "/mcp");
        get.Headers.Accept.ParseAdd("text/event-stream");
        get.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        get.Headers.Add("Mcp-Session-Id", sessionId);
        using var stream = await _http.SendAsync(get, HttpCompletionOption.ResponseHeadersRead);
        stream.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var events = new StreamReader(await stream.Content.ReadAsStreamAsync());

        (await Driver.RevokeAsync(client, tokens.RefreshToken!)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await StreamEndsAsync(events);
    }

    [Fact]
    public async Task DisablingAUser_EndsTheStreamsOfTheirTokens()
    {
        var member = "carol-" + Guid.NewGuid().ToString("N")[..8];
        await Gateway.AddUserAsync(member, "another long password");
        var tokens = await GrantAsync(["tag:web"], member, "another long password");
        using var stream = await OpenLegacyStreamAsync(tokens.AccessToken!);

        await using (var scope = Gateway.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MediatR.IMediator>().Send(
                new OneMcp.Application.Users.Commands.UpdateUserCommand(member, new OneMcp.Application.Users.Commands.UserEdit { Disabled = true }));
        }

        await stream.EndAsync();
    }

    [Fact]
    public async Task AccessToken_WhenExpired_Gets401WithTheChallenge()
    {
        var tokens = await GrantAsync(["tag:web"]);
        (await InitializeAsync(tokens.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.OK);

        ValidationClock.Offset = TimeSpan.FromMinutes(61);
        using var response = await InitializeAsync(tokens.AccessToken!);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        challenge.ShouldContain($"resource_metadata=\"{Gateway.BaseUrl.AbsoluteUri.TrimEnd('/')}/.well-known/oauth-protected-resource/mcp\"");
        challenge.ShouldContain("error=\"invalid_token\"");
    }

    [Fact]
    public async Task Authorize_WithAnotherResource_IsRefusedWithInvalidTarget()
    {
        var client = await RegisterAsync();
        var pkce = Pkce.Create();

        var error = await AuthorizeErrorAsync(Driver.BuildAuthorizeUri(client, RedirectUri, ["tag:web"], "s", pkce, "https://other.example.com/mcp").Query.TrimStart('?'));

        error.ShouldContain("error:invalid_target");
    }

    [Fact]
    public async Task Authorize_WithTheGatewayResource_IssuesATokenForIt()
    {
        var client = await RegisterAsync();
        var pkce = Pkce.Create();
        var resource = Gateway.BaseUrl.AbsoluteUri.TrimEnd('/') + "/mcp";

        var result = await Driver.AuthorizeAsync(client, RedirectUri, ["tag:web"], resource, "s", pkce, User, Password);
        var tokens = await Driver.ExchangeCodeAsync(client, result.Redirect.Code!, RedirectUri, pkce.Verifier, resource);

        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        (await InitializeAsync(tokens.AccessToken!)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>
    /// A second gateway on the same database and keys, reached at another URL: its tokens name another audience. Only
    /// PostgreSQL runs it: one SQLite database serves one gateway, and a second is refused at its start (ADR 0057).
    /// </summary>
    protected async Task AccessTokenForAnotherGatewayOverTheSameStoreIsRefusedAsync()
    {
        await using var other = await GatewayUnderTest.StartWithAuthAsync(SharedConfig(), await ConnectionStringAsync(), adjust: o => o with { DataDirectory = Gateway.DataDirectory });
        var driver = new OAuthFlowDriver(other.BaseUrl);
        var registration = await driver.RegisterClientAsync([RedirectUri]);
        var pkce = Pkce.Create();
        var result = await driver.SignInAndApproveAsync(registration.ClientId!, RedirectUri, [], pkce, User, Password);
        var foreign = await driver.ExchangeCodeAsync(registration.ClientId!, result.Redirect.Code!, RedirectUri, pkce.Verifier);
        foreign.IsSuccess.ShouldBeTrue(foreign.Body);

        using var response = await InitializeAsync(foreign.AccessToken!);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().ShouldContain("error=\"invalid_token\"");
    }

    [Fact]
    public async Task Session_PresentedWithAnotherUsersToken_IsNotFound()
    {
        var mallory = "mallory-" + Guid.NewGuid().ToString("N")[..8];
        await Gateway.AddUserAsync(mallory, "another long password");
        var owner = await GrantAsync(["tag:web"]);
        var intruder = await GrantAsync(["tag:web"], mallory, "another long password");
        using var opened = await InitializeAsync(owner.AccessToken!);
        var sessionId = opened.Headers.GetValues("Mcp-Session-Id").Single();

        using var request = McpPost(intruder.AccessToken!, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        request.Headers.Add("Mcp-Session-Id", sessionId);
        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var own = McpPost(owner.AccessToken!, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        own.Headers.Add("Mcp-Session-Id", sessionId);
        using var ownResponse = await _http.SendAsync(own);
        ownResponse.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Session_OfAnotherUser_IsAnsweredExactlyAsASessionThatDoesNotExist_OnBothTransports()
    {
        // Before: another user's session was 404 -32004 "Session not found." on /mcp and /messages, a session that did not
        // exist 404 -32001 on /mcp and a bare 400 on /messages: an intruder could tell a live session id from a guess.
        var mallory = "mallory-" + Guid.NewGuid().ToString("N")[..8];
        await Gateway.AddUserAsync(mallory, "another long password");
        var owner = await GrantAsync(["tag:web"]);
        var intruder = await GrantAsync(["tag:web"], mallory, "another long password");
        using var opened = await InitializeAsync(owner.AccessToken!);
        var streamable = opened.Headers.GetValues("Mcp-Session-Id").Single();
        using var legacy = await OpenLegacyStreamAsync(owner.AccessToken!);
        const string ListTools = """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""";

        await AnsweredAlikeAsync(InSession(McpPost(intruder.AccessToken!, ListTools), streamable), InSession(McpPost(intruder.AccessToken!, ListTools), "nosuchsession"));
        await AnsweredAlikeAsync(LegacyPost(intruder.AccessToken!, legacy.SessionId, ListTools), LegacyPost(intruder.AccessToken!, "nosuchsession", ListTools));
        // A DELETE too (a guess was answered 200), and it ends nothing: the owner's session still answers.
        await AnsweredAlikeAsync(InSession(McpDelete(intruder.AccessToken!), streamable), InSession(McpDelete(intruder.AccessToken!), "nosuchsession"));
        using var own = InSession(McpPost(owner.AccessToken!, ListTools), streamable);
        using var stillOpen = await _http.SendAsync(own);
        stillOpen.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static HttpRequestMessage McpDelete(string accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, "/mcp");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

    private static HttpRequestMessage InSession(HttpRequestMessage request, string sessionId)
    {
        request.Headers.Add("Mcp-Session-Id", sessionId);
        return request;
    }

    private async Task AnsweredAlikeAsync(HttpRequestMessage victims, HttpRequestMessage unknown)
    {
        using (victims)
        using (unknown)
        {
            using var victimsAnswer = await _http.SendAsync(victims);
            using var unknownAnswer = await _http.SendAsync(unknown);

            victimsAnswer.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            unknownAnswer.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            var victimsError = JsonNode.Parse(await victimsAnswer.Content.ReadAsStringAsync())!["error"]!;
            var unknownError = JsonNode.Parse(await unknownAnswer.Content.ReadAsStringAsync())!["error"]!;
            victimsError["code"]!.GetValue<int>().ShouldBe(unknownError["code"]!.GetValue<int>(), victims.RequestUri!.ToString());
            victimsError["message"]!.GetValue<string>().ShouldBe(unknownError["message"]!.GetValue<string>(), victims.RequestUri!.ToString());
        }
    }

    [Fact]
    public async Task LegacyMessage_WithOwnSessionInTheHeaderAndAVictimsInTheQuery_IsNotFoundAndNothingArrives()
    {
        var mallory = "mallory-" + Guid.NewGuid().ToString("N")[..8];
        await Gateway.AddUserAsync(mallory, "another long password");
        var owner = await GrantAsync(["tag:web"]);
        var intruder = await GrantAsync(["tag:web"], mallory, "another long password");
        using var sse = new HttpRequestMessage(HttpMethod.Get, "/sse");
        sse.Headers.Accept.ParseAdd("text/event-stream");
        sse.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.AccessToken);
        using var stream = await _http.SendAsync(sse, HttpCompletionOption.ResponseHeadersRead);
        stream.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var events = new StreamReader(await stream.Content.ReadAsStreamAsync());
        var endpoint = await NextDataAsync(events);
        var victim = System.Text.RegularExpressions.Regex.Match(endpoint, "sessionId=([^&\\s]+)").Groups[1].Value;
        victim.ShouldNotBeNullOrEmpty(endpoint);
        using var own = await InitializeAsync(intruder.AccessToken!);
        var intruderSession = own.Headers.GetValues("Mcp-Session-Id").Single();

        using var forged = LegacyPost(intruder.AccessToken!, victim, """{"jsonrpc":"2.0","id":7,"method":"ping"}""");
        forged.Headers.Add("Mcp-Session-Id", intruderSession);
        using var response = await _http.SendAsync(forged);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // The owner's own message comes through; nothing the intruder sent arrived before it.
        using var genuine = LegacyPost(owner.AccessToken!, victim, """{"jsonrpc":"2.0","id":8,"method":"ping"}""");
        using var accepted = await _http.SendAsync(genuine);
        accepted.IsSuccessStatusCode.ShouldBeTrue();
        var received = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!received.Any(d => d.Contains("\"id\":8", StringComparison.Ordinal)))
        {
            received.Add(await NextDataAsync(events).WaitAsync(timeout.Token));
        }

        received.ShouldNotContain(d => d.Contains("\"id\":7", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Consent_ReplayedAfterApproval_IsRefused()
    {
        var client = await RegisterAsync();
        var pkce = Pkce.Create();
        var first = await Driver.SignInAndApproveAsync(client, RedirectUri, ["tag:web"], pkce, User, Password);
        var form = first.ConsentForm.ShouldNotBeNull();

        using var replay = await PostConsentAsync(form, [.. form.HiddenFields, KeyValuePair.Create("scopes", "tag:web"), KeyValuePair.Create("action", "approve")]);

        replay.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Consent_WithTamperedParameters_IsRefused()
    {
        var client = await RegisterAsync();
        var form = await ConsentFormAsync(client, ["tag:web"]);
        var fields = form.HiddenFields.Select(f => f.Key == "state" ? KeyValuePair.Create("state", "forged") : f).ToList();
        fields.Add(KeyValuePair.Create("action", "approve"));
        fields.Add(KeyValuePair.Create("scopes", "tag:web"));

        using var response = await PostConsentAsync(form, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("does not match");
    }

    [Fact]
    public async Task Consent_WithAScopeThatWasNotOffered_IsRefused()
    {
        var client = await RegisterAsync();
        var form = await ConsentFormAsync(client, ["tag:web"]);
        var fields = form.HiddenFields.ToList();
        fields.Add(KeyValuePair.Create("action", "approve"));
        fields.Add(KeyValuePair.Create("scopes", "tag:db"));

        using var response = await PostConsentAsync(form, fields);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Authorize_ForATagNoBackendCarries_RedirectsWithInvalidScope()
    {
        var client = await RegisterAsync();

        var result = await Driver.AuthorizeAsync(client, RedirectUri, ["tag:nope"], null, "s", Pkce.Create(), User, Password);

        result.Redirect.Error.ShouldBe("invalid_scope");
        result.Redirect.State.ShouldBe("s");
    }

    [Fact]
    public async Task Deny_RedirectsWithAccessDeniedAndTheState()
    {
        var client = await RegisterAsync();

        var result = await Driver.AuthorizeAsync(client, RedirectUri, ["tag:web"], null, "st8", Pkce.Create(), User, Password, ConsentDecision.Deny);

        result.Redirect.Error.ShouldBe("access_denied");
        result.Redirect.State.ShouldBe("st8");
        result.Redirect.Code.ShouldBeNull();
    }

    private async Task<string> RegisterAsync(string[]? grantTypes = null)
    {
        var registration = await Driver.RegisterClientAsync([RedirectUri], grantTypes ?? ["authorization_code", "refresh_token"], "protocol tests");
        registration.StatusCode.ShouldBe(HttpStatusCode.Created, registration.Body);
        return registration.ClientId!;
    }

    private async Task<string> CodeAsync(string client, Pkce pkce, string[] scopes, string user = User, string password = Password)
    {
        var result = await Driver.SignInAndApproveAsync(client, RedirectUri, scopes, pkce, user, password);
        result.Redirect.Error.ShouldBeNull(result.Redirect.ErrorDescription);
        return result.Redirect.Code.ShouldNotBeNull();
    }

    private async Task<TokenResponse> GrantAsync(string[] scopes, string user = User, string password = Password) =>
        (await GrantWithClientAsync(scopes, user, password)).Tokens;

    private async Task<(string Client, TokenResponse Tokens)> GrantWithClientAsync(string[] scopes, string user = User, string password = Password)
    {
        var client = await RegisterAsync();
        var pkce = Pkce.Create();
        var code = await CodeAsync(client, pkce, scopes, user, password);
        var tokens = await Driver.ExchangeCodeAsync(client, code, RedirectUri, pkce.Verifier);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        return (client, tokens);
    }

    // Errors found before the redirect URI is trusted are answered on the page, never redirected.
    private async Task<string> AuthorizeErrorAsync(string query)
    {
        using var response = await _http.GetAsync("/authorize?" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Headers.Location.ShouldBeNull();
        return await response.Content.ReadAsStringAsync();
    }

    // Signs in with a cookie-keeping client and stops at the consent page, returning its form.
    private async Task<HtmlForm> ConsentFormAsync(string client, string[] scopes)
    {
        using var http = CookieClient();
        using var login = await http.PostAsync("/login", new FormUrlEncodedContent([KeyValuePair.Create("username", User), KeyValuePair.Create("password", Password), KeyValuePair.Create("returnUrl", "/")]));
        login.StatusCode.ShouldBe(HttpStatusCode.Found);
        var uri = Driver.BuildAuthorizeUri(client, RedirectUri, scopes, "st", Pkce.Create());
        var html = await http.GetStringAsync(uri);
        return HtmlForms.FindFormWith(html, "request_id");
    }

    private async Task<HttpResponseMessage> PostConsentAsync(HtmlForm form, IEnumerable<KeyValuePair<string, string>> fields)
    {
        using var http = CookieClient();
        if (_cookies.Count == 0)
        {
            using var login = await http.PostAsync("/login", new FormUrlEncodedContent([KeyValuePair.Create("username", User), KeyValuePair.Create("password", Password), KeyValuePair.Create("returnUrl", "/")]));
        }

        return await http.PostAsync(form.ResolveAction(Gateway.Url("/authorize")), new FormUrlEncodedContent(fields));
    }

    private HttpClient CookieClient() =>
        new(new HttpClientHandler { CookieContainer = _cookies, UseCookies = true, AllowAutoRedirect = false }, disposeHandler: true) { BaseAddress = Gateway.BaseUrl };

    private Task<HttpResponseMessage> InitializeAsync(string accessToken) => _http.SendAsync(McpPost(accessToken, Initialize));

    private static HttpRequestMessage LegacyPost(string accessToken, string sessionId, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/messages?sessionId={Uri.EscapeDataString(sessionId)}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

    // A legacy SSE stream opened with the token, once its endpoint event (with the session id) arrived.
    private async Task<LegacyStream> OpenLegacyStreamAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sse");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        var endpoint = await NextDataAsync(events);
        var sessionId = System.Text.RegularExpressions.Regex.Match(endpoint, "sessionId=([^&\\s]+)").Groups[1].Value;
        sessionId.ShouldNotBeNullOrEmpty(endpoint);
        return new LegacyStream(response, events, sessionId);
    }

    private sealed record LegacyStream(HttpResponseMessage Response, StreamReader Events, string SessionId) : IDisposable
    {
        public Task<string> NextDataAsync() => OAuthProtocolContract.NextDataAsync(Events).WaitAsync(TimeSpan.FromSeconds(30));

        public Task EndAsync() => StreamEndsAsync(Events);

        public void Dispose()
        {
            Events.Dispose();
            Response.Dispose();
        }
    }

    // The server ends the stream (a clean end or a reset connection), well within the time a revocation takes to reach it.
    private static async Task StreamEndsAsync(StreamReader events)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            while (await events.ReadLineAsync(timeout.Token) is not null)
            {
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !timeout.IsCancellationRequested)
        {
            // The connection was closed under the reader: ended too.
        }
    }

    private static async Task<string> NextDataAsync(StreamReader events)
    {
        while (await events.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                return line["data:".Length..].Trim();
            }
        }

        throw new ShouldAssertException("the SSE stream ended");
    }

    private static HttpRequestMessage McpPost(string accessToken, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

}

/// <summary>The clock of token validation, which a test can move forward.</summary>
public sealed class OffsetTimeProvider : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}

/// <summary>A gateway started by the first test of a class and stopped after its last (a class fixture).</summary>
public sealed class SharedGateway : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private GatewayUnderTest? _gateway;

    public OffsetTimeProvider ValidationClock { get; } = new();

    internal async Task<GatewayUnderTest> GetOrStartAsync(Func<OffsetTimeProvider, Task<GatewayUnderTest>> start)
    {
        await _gate.WaitAsync();
        try
        {
            return _gateway ??= await start(ValidationClock);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _gate.Dispose();
    }
}

public sealed class SqliteOAuthProtocolTests(SharedGateway shared) : OAuthProtocolContract(shared), IClassFixture<SharedGateway>
{
    protected override Task<string?> ConnectionStringAsync() => Task.FromResult<string?>(null);
}

[Collection(PostgresCollectionDefinition.Name)]
public sealed class PostgresOAuthProtocolTests(PostgresFixture postgres, PostgresOAuthProtocolTests.Database database, SharedGateway shared)
    : OAuthProtocolContract(shared), IClassFixture<SharedGateway>, IClassFixture<PostgresOAuthProtocolTests.Database>
{
    protected override async Task<string?> ConnectionStringAsync() =>
        database.ConnectionString ??= postgres.ConnectionStringFor(await postgres.CreateDatabaseAsync());

    [Fact]
    public Task AccessToken_ForAnotherGatewayOverTheSameStore_IsRefused() => AccessTokenForAnotherGatewayOverTheSameStoreIsRefusedAsync();

    /// <summary>The class's one database, created by its first test.</summary>
    public sealed class Database
    {
        public string? ConnectionString { get; set; }
    }
}
