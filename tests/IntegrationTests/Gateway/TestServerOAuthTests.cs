using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Gateway;

/// <summary>
/// The test server with <c>--require-oauth</c>: an MCP backend protected by its own authorization server, the
/// backend the gateway is tested against as an OAuth client. Driven here by hand, the way the gateway will.
/// </summary>
public sealed class TestServerOAuthTests : IAsyncLifetime
{
    private const string RedirectUri = "http://127.0.0.1:46123/oauth/callback";

    private HttpTestServer _server = null!;
    private readonly HttpClient _http = new();

    private string Base => _server.BaseUrl.GetLeftPart(UriPartial.Authority);

    private OAuthFlowDriver Driver => new(new Uri(Base + "/oauth/"));

    public async Task InitializeAsync() =>
        _server = await HttpTestServer.StartAsync("oauth-backend", extraArgs: ["--require-oauth", "--oauth-client-id", "configured", "--oauth-client-secret", "s3cret"]);

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task McpEndpoints_WithoutAValidToken_Answer401WithTheResourceMetadataChallenge()
    {
        var challenge = $"resource_metadata=\"{Base}/.well-known/oauth-protected-resource/mcp\"";

        using var anonymous = await PostInitializeAsync(token: null);
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var header = anonymous.Headers.WwwAuthenticate.ToString();
        header.ShouldStartWith("Bearer ");
        header.ShouldContain(challenge);
        header.ShouldNotContain("error=");

        using var forged = await PostInitializeAsync(token: "not-a-token");
        forged.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        forged.Headers.WwwAuthenticate.ToString().ShouldContain("error=\"invalid_token\"");
        forged.Headers.WwwAuthenticate.ToString().ShouldContain(challenge);

        foreach (var path in new[] { "/", "/sse", "/message" })
        {
            using var legacy = await _http.GetAsync(new Uri(Base + path));
            legacy.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
        }
    }

    [Fact]
    public async Task FullFlow_FromDiscoveryThroughConsentAndPkce_LetsTheMcpClientListAndCallTools()
    {
        // Discovery: the 401's resource_metadata -> RFC 9728 -> the authorization server's RFC 8414 metadata.
        using var unauthorized = await PostInitializeAsync(token: null);
        var prmUrl = unauthorized.Headers.WwwAuthenticate.ToString().Split("resource_metadata=\"")[1].TrimEnd('"');
        var prm = await GetJsonAsync(prmUrl);
        prm["resource"]!.GetValue<string>().ShouldBe(_server.McpUrl);
        prm["bearer_methods_supported"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["header"]);
        (await GetJsonAsync(Base + "/.well-known/oauth-protected-resource"))["resource"]!.GetValue<string>().ShouldBe(_server.McpUrl);
        var issuer = prm["authorization_servers"]!.AsArray().Single()!.GetValue<string>();
        issuer.ShouldBe(Base);

        var metadata = await GetJsonAsync(issuer + "/.well-known/oauth-authorization-server");
        metadata["issuer"]!.GetValue<string>().ShouldBe(Base);
        metadata["authorization_endpoint"]!.GetValue<string>().ShouldBe(Driver.AuthorizeEndpoint.ToString());
        metadata["token_endpoint"]!.GetValue<string>().ShouldBe(Driver.TokenEndpoint.ToString());
        metadata["registration_endpoint"]!.GetValue<string>().ShouldBe(Driver.RegisterEndpoint.ToString());
        Strings(metadata, "code_challenge_methods_supported").ShouldBe(["S256"]);
        Strings(metadata, "response_types_supported").ShouldBe(["code"]);
        Strings(metadata, "grant_types_supported").ShouldBe(["authorization_code", "refresh_token"]);
        Strings(metadata, "token_endpoint_auth_methods_supported").ShouldBe(["none", "client_secret_post", "client_secret_basic"]);
        Strings(metadata, "scopes_supported").ShouldBe(["mcp:read", "mcp:write"]);
        (await GetJsonAsync(issuer + "/.well-known/openid-configuration"))["token_endpoint"]!.GetValue<string>().ShouldBe(Driver.TokenEndpoint.ToString());

        // Dynamic registration of a public client.
        var registration = await Driver.RegisterClientAsync([RedirectUri], clientName: "OneMcp gateway");
        registration.StatusCode.ShouldBe(HttpStatusCode.Created, registration.Body);
        registration.ClientId.ShouldNotBeNullOrEmpty();
        registration.ClientSecret.ShouldBeNull();
        registration.Json!["client_name"]!.GetValue<string>().ShouldBe("OneMcp gateway");
        registration.Json["token_endpoint_auth_method"]!.GetValue<string>().ShouldBe("none");
        Strings(registration.Json, "redirect_uris").ShouldBe([RedirectUri]);

        // The consent page, allowed; the redirect carries the code, the state and the issuer.
        var pkce = Pkce.Create();
        var consent = await TestBackendConsent.DecideAsync(
            Driver.BuildAuthorizeUri(registration.ClientId!, RedirectUri, ["mcp:read", "mcp:write"], "state-42", pkce, _server.McpUrl), allow: true);
        consent.Title.ShouldBe("Test backend — authorize OneMcp gateway");
        consent.Form.Method.ShouldBe("post");
        consent.Redirect.Location.GetLeftPart(UriPartial.Path).ShouldBe(RedirectUri);
        consent.Redirect.State.ShouldBe("state-42");
        consent.Redirect.Iss.ShouldBe(Base);
        consent.Redirect.Error.ShouldBeNull();

        var tokens = await Driver.ExchangeCodeAsync(registration.ClientId!, consent.Redirect.Code!, RedirectUri, pkce.Verifier, _server.McpUrl);
        tokens.IsSuccess.ShouldBeTrue(tokens.Body);
        tokens.TokenType.ShouldBe("Bearer");
        tokens.ExpiresIn.ShouldBe(3600);
        tokens.Scope.ShouldBe("mcp:read mcp:write");
        tokens.RefreshToken.ShouldNotBeNullOrEmpty();
        Convert.FromBase64String(Base64(tokens.AccessToken!)).Length.ShouldBe(32);

        // The real MCP client, with the token as a header.
        await using var client = await ConnectAsync(tokens.AccessToken!);
        var tools = await client.ListToolsAsync();
        tools.Select(t => t.Name).ShouldContain("echo");
        AggregationTests.Text(await client.CallToolAsync("echo", AggregationTests.Args(("message", "behind oauth")))).ShouldBe("behind oauth");

        var stats = await GetJsonAsync(Base + "/test-oauth/stats");
        stats["authorizationCodesIssued"]!.GetValue<long>().ShouldBe(1);
        stats["accessTokensIssued"]!.GetValue<long>().ShouldBe(1);
        stats["refreshes"]!.GetValue<long>().ShouldBe(0);
        stats["activeAccessTokens"]!.GetValue<long>().ShouldBe(1);
    }

    [Fact]
    public async Task TokenRequest_WithTheWrongPkceVerifier_IsInvalidGrant()
    {
        var clientId = await RegisterAsync();
        var code = await AllowAsync(clientId, Pkce.Create());

        var tokens = await Driver.ExchangeCodeAsync(clientId, code, RedirectUri, Pkce.Create().Verifier);

        tokens.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        tokens.Error.ShouldBe("invalid_grant");
    }

    [Fact]
    public async Task AuthorizationCode_UsedTwice_IsInvalidGrantTheSecondTime()
    {
        var clientId = await RegisterAsync();
        var pkce = Pkce.Create();
        var code = await AllowAsync(clientId, pkce);

        (await Driver.ExchangeCodeAsync(clientId, code, RedirectUri, pkce.Verifier)).IsSuccess.ShouldBeTrue();
        var again = await Driver.ExchangeCodeAsync(clientId, code, RedirectUri, pkce.Verifier);

        again.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        again.Error.ShouldBe("invalid_grant");
    }

    [Fact]
    public async Task TokenRequest_WithAnotherResourceOrRedirectUri_IsRefused()
    {
        var clientId = await RegisterAsync();
        var pkce = Pkce.Create();

        (await Driver.ExchangeCodeAsync(clientId, await AllowAsync(clientId, pkce), RedirectUri, pkce.Verifier, resource: Base + "/elsewhere")).Error.ShouldBe("invalid_target");
        (await Driver.ExchangeCodeAsync(clientId, await AllowAsync(clientId, pkce), RedirectUri + "/other", pkce.Verifier)).Error.ShouldBe("invalid_grant");
        (await Driver.ExchangeCodeAsync("unknown-client", await AllowAsync(clientId, pkce), RedirectUri, pkce.Verifier)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Refresh_RotatesTheRefreshToken_AndTheOldOneIsRefused()
    {
        var clientId = await RegisterAsync();
        var pkce = Pkce.Create();
        var first = await Driver.ExchangeCodeAsync(clientId, await AllowAsync(clientId, pkce), RedirectUri, pkce.Verifier);

        var second = await Driver.RefreshAsync(clientId, first.RefreshToken!);
        second.IsSuccess.ShouldBeTrue(second.Body);
        second.RefreshToken.ShouldNotBeNullOrEmpty();
        second.RefreshToken.ShouldNotBe(first.RefreshToken);
        second.AccessToken.ShouldNotBe(first.AccessToken);

        var replay = await Driver.RefreshAsync(clientId, first.RefreshToken!);
        replay.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        replay.Error.ShouldBe("invalid_grant");

        (await Driver.RefreshAsync(clientId, second.RefreshToken!)).IsSuccess.ShouldBeTrue();
        await using var client = await ConnectAsync(second.AccessToken!);
        (await client.ListToolsAsync()).ShouldNotBeEmpty();
        (await GetJsonAsync(Base + "/test-oauth/stats"))["refreshes"]!.GetValue<long>().ShouldBe(2);
    }

    [Fact]
    public async Task RevokeAll_TestHook_MakesEveryAccessAndRefreshTokenStopWorking()
    {
        var clientId = await RegisterAsync();
        var pkce = Pkce.Create();
        var tokens = await Driver.ExchangeCodeAsync(clientId, await AllowAsync(clientId, pkce), RedirectUri, pkce.Verifier);
        using (var before = await PostInitializeAsync(tokens.AccessToken))
        {
            before.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        using (var revoke = await _http.PostAsync(new Uri(Base + "/test-oauth/revoke-all"), null))
        {
            revoke.IsSuccessStatusCode.ShouldBeTrue();
        }

        using var after = await PostInitializeAsync(tokens.AccessToken);
        after.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        after.Headers.WwwAuthenticate.ToString().ShouldContain("error=\"invalid_token\"");
        (await Driver.RefreshAsync(clientId, tokens.RefreshToken!)).Error.ShouldBe("invalid_grant");
        (await GetJsonAsync(Base + "/test-oauth/stats"))["activeAccessTokens"]!.GetValue<long>().ShouldBe(0);
    }

    [Fact]
    public async Task RevokeAccessTokens_TestHook_StopsTheAccessTokens_ButTheRefreshTokenStillRenewsThem()
    {
        var clientId = await RegisterAsync();
        var pkce = Pkce.Create();
        var tokens = await Driver.ExchangeCodeAsync(clientId, await AllowAsync(clientId, pkce), RedirectUri, pkce.Verifier);

        using (var revoke = await _http.PostAsync(new Uri(Base + "/test-oauth/revoke-access-tokens"), null))
        {
            revoke.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        using var refused = await PostInitializeAsync(tokens.AccessToken);
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var renewed = await Driver.RefreshAsync(clientId, tokens.RefreshToken!);
        renewed.IsSuccess.ShouldBeTrue();
        using var accepted = await PostInitializeAsync(renewed.AccessToken);
        accepted.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Deny_RedirectsWithAccessDeniedAndTheState()
    {
        var clientId = await RegisterAsync();

        var consent = await TestBackendConsent.DecideAsync(
            Driver.BuildAuthorizeUri(clientId, RedirectUri, ["mcp:read"], "state-denied", Pkce.Create()), allow: false);

        consent.Redirect.Location.GetLeftPart(UriPartial.Path).ShouldBe(RedirectUri);
        consent.Redirect.Error.ShouldBe("access_denied");
        consent.Redirect.State.ShouldBe("state-denied");
        consent.Redirect.Code.ShouldBeNull();
    }

    [Fact]
    public async Task Authorize_WithAnUnregisteredRedirectUriOrUnknownClient_Answers400WithoutRedirecting()
    {
        var clientId = await RegisterAsync();
        using var noRedirects = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });

        using var badRedirect = await noRedirects.GetAsync(Driver.BuildAuthorizeUri(clientId, "http://127.0.0.1:1/evil", ["mcp:read"], "s", Pkce.Create()));
        using var badClient = await noRedirects.GetAsync(Driver.BuildAuthorizeUri("nobody", RedirectUri, ["mcp:read"], "s", Pkce.Create()));

        badRedirect.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        badRedirect.Headers.Location.ShouldBeNull();
        badClient.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        badClient.Headers.Location.ShouldBeNull();
    }

    [Fact]
    public async Task PreRegisteredConfidentialClient_AcceptsAnyLoopbackRedirect_AndAuthenticatesWithBasicOrPost()
    {
        const string loopback = "http://localhost:51999/any/callback";
        var pkce = Pkce.Create();
        var consent = await TestBackendConsent.DecideAsync(Driver.BuildAuthorizeUri("configured", loopback, ["mcp:read"], "pre", pkce), allow: true);
        consent.Title.ShouldBe("Test backend — authorize configured");

        // client_secret_basic, with a wrong secret first.
        using (var wrong = await PostTokenWithBasicAsync("configured", "wrong", consent.Redirect.Code!, loopback, pkce.Verifier))
        {
            wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await wrong.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>().ShouldBe("invalid_client");
        }

        var code = (await TestBackendConsent.DecideAsync(Driver.BuildAuthorizeUri("configured", loopback, ["mcp:read"], "pre", pkce), allow: true)).Redirect.Code!;
        using var basic = await PostTokenWithBasicAsync("configured", "s3cret", code, loopback, pkce.Verifier);
        basic.StatusCode.ShouldBe(HttpStatusCode.OK, await basic.Content.ReadAsStringAsync());

        // client_secret_post, and no secret at all.
        var refreshed = (await basic.Content.ReadFromJsonAsync<JsonObject>())!["refresh_token"]!.GetValue<string>();
        (await Driver.RefreshAsync("configured", refreshed)).Error.ShouldBe("invalid_client");
        (await Driver.RefreshAsync("configured", refreshed, clientSecret: "s3cret")).IsSuccess.ShouldBeTrue();
    }

    private async Task<string> RegisterAsync()
    {
        var registration = await Driver.RegisterClientAsync([RedirectUri], clientName: "tests");
        registration.StatusCode.ShouldBe(HttpStatusCode.Created, registration.Body);
        return registration.ClientId!;
    }

    private async Task<string> AllowAsync(string clientId, Pkce pkce)
    {
        var consent = await TestBackendConsent.DecideAsync(Driver.BuildAuthorizeUri(clientId, RedirectUri, ["mcp:read", "mcp:write"], "s", pkce), allow: true);
        return consent.Redirect.Code.ShouldNotBeNull();
    }

    private async Task<McpClient> ConnectAsync(string accessToken) =>
        await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(_server.McpUrl),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + accessToken },
        }));

    private async Task<HttpResponseMessage> PostInitializeAsync(string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.McpUrl))
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> PostTokenWithBasicAsync(string clientId, string secret, string code, string redirectUri, string verifier)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Driver.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["redirect_uri"] = redirectUri,
                ["code_verifier"] = verifier,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
        return await _http.SendAsync(request);
    }

    private async Task<JsonObject> GetJsonAsync(string url) =>
        (await _http.GetFromJsonAsync<JsonObject>(new Uri(url))).ShouldNotBeNull();

    private static string[] Strings(JsonObject json, string name) =>
        [.. json[name]!.AsArray().Select(n => n!.GetValue<string>())];

    private static string Base64(string base64Url) =>
        base64Url.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (base64Url.Length % 4)) % 4);
}
