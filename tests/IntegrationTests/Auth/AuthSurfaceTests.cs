using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>What a client sees of <c>--enable-auth</c> before it has a token: metadata, challenges, registration.</summary>
public sealed class AuthSurfaceTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>, IDisposable
{
    private static readonly string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Gateway.BaseUrl };

    private string Base => fixture.Gateway.BaseUrl.AbsoluteUri.TrimEnd('/');

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData("/.well-known/oauth-protected-resource")]
    [InlineData("/.well-known/oauth-protected-resource/mcp")]
    public async Task ProtectedResourceMetadata_OnBothPaths_NamesTheMcpResourceAndTheIssuer(string path)
    {
        var document = await GetJsonAsync(path);

        document["resource"]!.GetValue<string>().ShouldBe(Base + "/mcp");
        document["authorization_servers"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe([Base + "/"]);
        Strings(document, "scopes_supported").ShouldBe(["tag:db", "tag:web", "offline_access"], ignoreOrder: true);
        Strings(document, "bearer_methods_supported").ShouldBe(["header"]);
    }

    [Theory]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/.well-known/openid-configuration")]
    public async Task AuthorizationServerMetadata_OnBothPaths_ListsEveryEndpointAndRule(string path)
    {
        var document = await GetJsonAsync(path);

        document["issuer"]!.GetValue<string>().ShouldBe(Base + "/");
        document["authorization_endpoint"]!.GetValue<string>().ShouldBe(Base + "/authorize");
        document["token_endpoint"]!.GetValue<string>().ShouldBe(Base + "/token");
        document["revocation_endpoint"]!.GetValue<string>().ShouldBe(Base + "/revoke");
        document["registration_endpoint"]!.GetValue<string>().ShouldBe(Base + "/register");
        Strings(document, "code_challenge_methods_supported").ShouldBe(["S256"]);
        Strings(document, "grant_types_supported").ShouldBe(["authorization_code", "refresh_token"], ignoreOrder: true);
        Strings(document, "response_types_supported").ShouldBe(["code"]);
        Strings(document, "token_endpoint_auth_methods_supported").ShouldContain("none");
        Strings(document, "prompt_values_supported").ShouldBe(["consent", "none"], ignoreOrder: true);
        Strings(document, "scopes_supported").ShouldBe(["offline_access", "onemcp:admin", "tag:db", "tag:web"], ignoreOrder: true);
    }

    [Fact]
    public async Task AuthorizationServerMetadata_ClientAuthMethods_AreExactlyTheOnesRegistrationAccepts()
    {
        var document = await GetJsonAsync("/.well-known/oauth-authorization-server");
        var advertised = Strings(document, "token_endpoint_auth_methods_supported");

        foreach (var method in advertised)
        {
            var client = await RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("https://app.example.com/cb"), ["token_endpoint_auth_method"] = method });
            client["token_endpoint_auth_method"]!.GetValue<string>().ShouldBe(method);
        }

        using var unadvertised = await _http.PostAsync("/register", new StringContent(
            """{"redirect_uris":["https://app.example.com/cb"],"token_endpoint_auth_method":"private_key_jwt"}""", Encoding.UTF8, "application/json"));
        advertised.ShouldBe(["none", "client_secret_basic", "client_secret_post"], ignoreOrder: true);
        Strings(document, "revocation_endpoint_auth_methods_supported").ShouldBe(advertised, ignoreOrder: true);
        unadvertised.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonNode.Parse(await unadvertised.Content.ReadAsStringAsync())!["error"]!.GetValue<string>().ShouldBe("invalid_client_metadata");
    }

    [Theory]
    [InlineData("/mcp")]
    [InlineData("/sse")]
    [InlineData("/messages?sessionId=abc")]
    public async Task McpEndpoints_WithoutAToken_Answer401WithTheResourceMetadataChallenge(string path)
    {
        using var request = McpRequest(path, token: null);

        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().ShouldBe($"Bearer resource_metadata=\"{Base}/.well-known/oauth-protected-resource/mcp\"");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["jsonrpc"]!.GetValue<string>().ShouldBe("2.0");
        body["error"]!["code"]!.GetValue<int>().ShouldBe(-32001);
    }

    [Theory]
    [InlineData("/mcp", "not-a-token")]
    [InlineData("/sse", "not-a-token")]
    [InlineData("/mcp", "CfDJ8EB60UpuzKZCq7M-TsxkHzPq6b1qcZjoG7yulQM1cZ24AO")]
    public async Task McpEndpoints_WithAnInvalidToken_Answer401WithInvalidToken(string path, string token)
    {
        using var request = McpRequest(path, token);

        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        challenge.ShouldStartWith($"Bearer resource_metadata=\"{Base}/.well-known/oauth-protected-resource/mcp\"");
        challenge.ShouldContain("error=\"invalid_token\"");
    }

    [Fact]
    public async Task RestApi_WithoutAToken_Answers401ProblemDetails()
    {
        using var response = await _http.GetAsync("/api/backends");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        response.Headers.WwwAuthenticate.ToString().ShouldContain("resource_metadata=");
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/health/live")]
    [InlineData("/login")]
    public async Task PublicPages_NeedNoToken(string path)
    {
        using var response = await _http.GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("multipart without its boundary")]
    [InlineData("more fields than a form may have")]
    public async Task Login_WithABodyThatIsNoReadableForm_Answers400WithTheSignInPage(string body)
    {
        // Before: ReadFormAsync threw, and the page answered 500 with an empty body.
        using HttpContent content = body.StartsWith("multipart", StringComparison.Ordinal)
            ? new StringContent("username=alice&password=x")
            : new StringContent(string.Join('&', Enumerable.Repeat("f=1", 1100)), Encoding.ASCII);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(
            body.StartsWith("multipart", StringComparison.Ordinal) ? "multipart/form-data" : "application/x-www-form-urlencoded");

        using var response = await _http.PostAsync("/login", content);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        (await response.Content.ReadAsStringAsync()).ShouldContain("Send the sign-in form.");
    }

    [Fact]
    public async Task Authorize_WhenNotSignedIn_RedirectsToTheLoginPageAndBack()
    {
        var client = await RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("http://127.0.0.1:7000/cb"), ["token_endpoint_auth_method"] = "none" });
        var query = $"?response_type=code&client_id={client["client_id"]}&redirect_uri=http%3A%2F%2F127.0.0.1%3A7000%2Fcb&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGHSc215cM&code_challenge_method=S256&state=s";

        using var response = await _http.GetAsync("/authorize" + query);

        response.StatusCode.ShouldBe(HttpStatusCode.Found);
        var location = response.Headers.Location!.ToString();
        location.ShouldStartWith(Base + "/login?returnUrl=");
        Uri.UnescapeDataString(location).ShouldContain("/authorize?");
    }

    [Fact]
    public async Task Authorize_WithPromptNoneWhenNotSignedIn_GoesBackToTheClientWithLoginRequired()
    {
        var client = await RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("http://127.0.0.1:7000/cb"), ["token_endpoint_auth_method"] = "none" });

        using var response = await _http.GetAsync("/authorize" + AuthorizeQuery(client, "http%3A%2F%2F127.0.0.1%3A7000%2Fcb") + "&prompt=none");

        ShouldGoBackToTheClientWith(response, "login_required");
    }

    [Fact]
    public async Task Authorize_WithPromptNoneWhenSignedIn_GoesBackToTheClientWithConsentRequiredInsteadOfThePage()
    {
        var client = await RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("http://127.0.0.1:7000/cb"), ["token_endpoint_auth_method"] = "none" });
        using var member = await Support.OAuth.DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword);

        using var silent = await member.GetAsync("/authorize" + AuthorizeQuery(client, "http%3A%2F%2F127.0.0.1%3A7000%2Fcb") + "&scope=tag%3Aweb&prompt=none");
        using var page = await member.GetAsync("/authorize" + AuthorizeQuery(client, "http%3A%2F%2F127.0.0.1%3A7000%2Fcb") + "&scope=tag%3Aweb");

        ShouldGoBackToTheClientWith(silent, "consent_required");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Authorize_WithPromptNoneAndAnUnregisteredRedirectUri_NeverRedirects()
    {
        var client = await RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("http://127.0.0.1:7000/cb"), ["token_endpoint_auth_method"] = "none" });

        using var response = await _http.GetAsync("/authorize" + AuthorizeQuery(client, "http%3A%2F%2F127.0.0.1%3A7000%2Felsewhere") + "&prompt=none");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Headers.Location.ShouldBeNull();
    }

    [Theory]
    [InlineData("/authorize")] // OpenIddict's own error answer (text/plain)
    [InlineData("/authorize?client_id=nobody&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A7000%2Fcb")]
    [InlineData("/token")]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/mcp")] // the bearer challenge
    [InlineData("/api/backends")] // ProblemDetails
    [InlineData("/no-such-page")] // ASP.NET Core's bare 404
    [InlineData("/health")]
    [InlineData("/login")] // the gateway's own page
    public async Task AnyAnswer_WhoeverWritesIt_CarriesNosniffAndAPageCannotBeFramed(string path)
    {
        using var response = await _http.GetAsync(path);

        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"], path);
        if (response.Content.Headers.ContentType?.MediaType == "text/html")
        {
            response.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"], path);
            response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'", Case.Sensitive, path);
        }
    }

    [Fact]
    public async Task Authorize_ForATagNoBackendCarries_GoesBackToTheClientBeforeSignIn()
    {
        // Nobody could consent to it. After a sign-in the browser would come from the login form, whose form-action
        // rule (Chromium applies it to the redirects that follow a form post) stops it before the client's site.
        var client = await RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("http://127.0.0.1:7000/cb"), ["token_endpoint_auth_method"] = "none" });
        var query = $"?response_type=code&client_id={client["client_id"]}&redirect_uri=http%3A%2F%2F127.0.0.1%3A7000%2Fcb&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGHSc215cM&code_challenge_method=S256&state=s&scope=tag%3Anope";

        using var response = await _http.GetAsync("/authorize" + query);

        response.StatusCode.ShouldBe(HttpStatusCode.Found);
        var location = response.Headers.Location!.ToString();
        location.ShouldStartWith("http://127.0.0.1:7000/cb?");
        location.ShouldContain("error=invalid_scope");
        location.ShouldContain("state=s");
    }

    [Theory]
    [InlineData("&prompt=none", false, "Nobody is signed in to the gateway in this browser.")]
    [InlineData("&scope=tag%3Anope", false, "names no tag of this gateway")]
    [InlineData("&scope=tag%3Aweb&prompt=none", true, "The user must approve this request on the consent page.")]
    public async Task Authorize_AnErrorBeforeTheUserDecided_StaysOnTheGatewaysPageForAnHttpsRedirectUri(string extra, bool signedIn, string reason)
    {
        // Anyone can register a client redirecting to any https site: sent there at once, a link to the gateway would be
        // a link to that site (an open redirect on the gateway's address). A loopback redirect URI still gets the error.
        var client = await RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("https://phish.example.com/cb"), ["token_endpoint_auth_method"] = "none" });
        using var member = signedIn ? await Support.OAuth.DashboardClient.SignInAsync(fixture.Gateway.BaseUrl, AuthGatewayFixture.Member, AuthGatewayFixture.MemberPassword) : null;

        using var response = await (member ?? _http).GetAsync("/authorize" + AuthorizeQuery(client, "https%3A%2F%2Fphish.example.com%2Fcb") + extra);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Headers.Location.ShouldBeNull();
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain(reason);
        html.ShouldContain("You are not sent on to phish.example.com");
    }

    [Fact]
    public async Task Register_APublicClient_Answers201WithoutASecret()
    {
        var response = await RegisterAsync(new JsonObject
        {
            ["redirect_uris"] = new JsonArray("http://127.0.0.1:33418/callback", "https://app.example.com/cb"),
            ["grant_types"] = new JsonArray("authorization_code", "refresh_token"),
            ["token_endpoint_auth_method"] = "none",
            ["client_name"] = "Claude Code",
        });

        response["client_id"]!.GetValue<string>().Length.ShouldBeGreaterThanOrEqualTo(16);
        response.ContainsKey("client_secret").ShouldBeFalse();
        response["token_endpoint_auth_method"]!.GetValue<string>().ShouldBe("none");
        Strings(response, "grant_types").ShouldBe(["authorization_code", "refresh_token"]);
        response["client_name"]!.GetValue<string>().ShouldBe("Claude Code");
    }

    [Theory]
    [InlineData(null, "web")]
    [InlineData("web", "web")]
    [InlineData("native", "native")]
    public async Task Register_ApplicationType_IsStoredAndAnsweredWebUnlessNative(string? sent, string expected)
    {
        var metadata = new JsonObject { ["redirect_uris"] = new JsonArray("http://127.0.0.1:33418/callback"), ["token_endpoint_auth_method"] = "none" };
        if (sent is not null)
        {
            metadata["application_type"] = sent;
        }

        var response = await RegisterAsync(metadata);

        response["application_type"]!.GetValue<string>().ShouldBe(expected);
        await using var scope = fixture.Gateway.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var stored = (await applications.FindByClientIdAsync(response["client_id"]!.GetValue<string>())).ShouldNotBeNull();
        (await applications.GetApplicationTypeAsync(stored)).ShouldBe(expected);
    }

    [Fact]
    public async Task Register_AConfidentialClient_GetsASecret()
    {
        var response = await RegisterAsync(new JsonObject { ["redirect_uris"] = new JsonArray("https://app.example.com/cb"), ["token_endpoint_auth_method"] = "client_secret_post" });

        response["client_secret"]!.GetValue<string>().Length.ShouldBeGreaterThanOrEqualTo(32);
        response["client_secret_expires_at"]!.GetValue<int>().ShouldBe(0);
    }

    [Theory]
    [InlineData("""{"redirect_uris":["javascript:alert(1)"]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["http://evil.example.com/cb"]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["https://app.example.com/cb#frag"]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["data:text/html,hi"]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["/relative"]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":[]}""", "invalid_redirect_uri")]
    [InlineData("""{"client_name":"no uris"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["https://a.example/cb"],"grant_types":["client_credentials"]}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://a.example/cb"],"grant_types":["refresh_token"]}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://a.example/cb"],"response_types":["token"]}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://a.example/cb"],"client_name":42}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://a.example/cb"],"application_type":"browser"}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://a.example/cb"],"application_type":1}""", "invalid_client_metadata")]
    [InlineData("""[1,2]""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":""", "invalid_client_metadata")]
    public async Task Register_WithBadMetadata_Answers400WithTheOAuthError(string body, string error)
    {
        using var response = await _http.PostAsync("/register", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        json["error"]!.GetValue<string>().ShouldBe(error);
        json["error_description"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task Register_WithOversizedMetadata_Answers413()
    {
        var body = new JsonObject { ["redirect_uris"] = new JsonArray("https://a.example/cb"), ["client_name"] = new string('x', 20_000) }.ToJsonString();

        using var response = await _http.PostAsync("/register", new StringContent(body, Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>().ShouldBe("invalid_client_metadata");
    }

    private static string AuthorizeQuery(JsonObject client, string escapedRedirectUri) =>
        $"?response_type=code&client_id={client["client_id"]}&redirect_uri={escapedRedirectUri}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGHSc215cM&code_challenge_method=S256&state=s";

    private static void ShouldGoBackToTheClientWith(HttpResponseMessage response, string error)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.Found);
        var location = response.Headers.Location!.ToString();
        location.ShouldStartWith("http://127.0.0.1:7000/cb?");
        location.ShouldContain($"error={error}");
        location.ShouldContain("state=s");
    }

    private async Task<JsonObject> RegisterAsync(JsonObject metadata)
    {
        using var response = await _http.PostAsJsonAsync("/register", metadata);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private async Task<JsonObject> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static string[] Strings(JsonObject document, string name) => [.. document[name]!.AsArray().Select(n => n!.GetValue<string>())];

    private static HttpRequestMessage McpRequest(string path, string? token)
    {
        var request = path == "/sse"
            ? new HttpRequestMessage(HttpMethod.Get, path)
            : new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }
}
