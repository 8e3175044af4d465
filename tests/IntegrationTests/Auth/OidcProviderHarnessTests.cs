using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;
using OneMcp.IntegrationTests.Support.Oidc;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// The test identity provider (tests/NodeClients/oidc-provider.mjs, the certified <c>oidc-provider</c> package) and its
/// C# harness on their own, no gateway: discovery, a full authorization code + PKCE flow by a small in-test client
/// (the driver's provider side, a client_secret_basic token request), groups changed between two sign-ins, and a
/// clock offset that makes the ID token expired on arrival. The driver's gateway half runs against a stand-in relying
/// party with the gateway's two paths, to show its tamper hooks reach the provider and the gateway.
/// </summary>
public sealed class OidcProviderHarnessTests : IAsyncLifetime
{
    // Never requested: the flow stops at the provider's redirect to it.
    private static readonly Uri RedirectUri = new("http://127.0.0.1:1/signin-oidc");

    private static readonly OidcAccount Ada = new("ada", "ada@corp.example", ["onemcp-admins", "engineering"], "ada", "Ada Admin");
    private static readonly OidcAccount Bob = new("bob", "bob@corp.example", ["engineering"], "bob", "Bob Member");

    private OidcProviderProcess _provider = null!;

    public async Task InitializeAsync() =>
        _provider = await OidcProviderProcess.StartAsync(new OidcProviderOptions { RedirectUris = [RedirectUri], Accounts = [Ada, Bob] });

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task Discovery_NamesTheIssuer_IssInResponses_AndS256()
    {
        var discovery = await _provider.GetDiscoveryDocumentAsync();

        _provider.IssuerString.ShouldStartWith("http://127.0.0.1:");
        _provider.IssuerString.ShouldNotEndWith("/");
        discovery["issuer"]!.GetValue<string>().ShouldBe(_provider.IssuerString);
        discovery["authorization_response_iss_parameter_supported"]!.GetValue<bool>().ShouldBeTrue();
        Strings(discovery["code_challenge_methods_supported"]).ShouldBe(["S256"]);
        Strings(discovery["token_endpoint_auth_methods_supported"]).ShouldBe(["client_secret_basic"]);
        Strings(discovery["response_types_supported"]).ShouldBe(["code"]);
        discovery["authorization_endpoint"]!.GetValue<string>().ShouldBe(_provider.AuthorizationEndpoint.AbsoluteUri);
        discovery["token_endpoint"]!.GetValue<string>().ShouldBe(_provider.TokenEndpoint.AbsoluteUri);
        discovery["pushed_authorization_request_endpoint"].ShouldBeNull();
        Strings(discovery["claims_supported"]).ShouldBeSubsetOf(
            ["sub", "name", "preferred_username", "groups", "email", "email_verified", "sid", "auth_time", "iss"]);
    }

    [Fact]
    public async Task CodeFlowWithPkce_IssuesAnIdTokenWithTheAccountsClaims_AndIssOnTheRedirect()
    {
        var flow = await SignInAsync("ada");

        flow.Response.RedirectUri.GetLeftPart(UriPartial.Path).ShouldBe(RedirectUri.AbsoluteUri);
        flow.Response.SignedIn.ShouldBeTrue();
        flow.Response.State.ShouldBe(flow.State);
        flow.Response.Iss.ShouldBe(_provider.IssuerString);
        flow.Tokens["token_type"]!.GetValue<string>().ShouldBe("Bearer");

        var idToken = flow.IdToken;
        idToken["iss"]!.GetValue<string>().ShouldBe(_provider.IssuerString);
        idToken["aud"]!.GetValue<string>().ShouldBe(_provider.ClientId);
        idToken["sub"]!.GetValue<string>().ShouldBe("ada");
        idToken["preferred_username"]!.GetValue<string>().ShouldBe("ada");
        idToken["name"]!.GetValue<string>().ShouldBe("Ada Admin");
        idToken["email"]!.GetValue<string>().ShouldBe("ada@corp.example");
        idToken["email_verified"]!.GetValue<bool>().ShouldBeTrue();
        Strings(idToken["groups"]).ShouldBe(["onemcp-admins", "engineering"]);
        idToken["nonce"]!.GetValue<string>().ShouldBe(flow.Nonce);
        DateTimeOffset.FromUnixTimeSeconds(idToken["exp"]!.GetValue<long>()).ShouldBeGreaterThan(DateTimeOffset.UtcNow);

        // The same claims from userinfo, with the access token.
        using var http = new HttpClient();
        using var userinfo = new HttpRequestMessage(HttpMethod.Get, _provider.UserinfoEndpoint);
        userinfo.Headers.Authorization = new AuthenticationHeaderValue("Bearer", flow.Tokens["access_token"]!.GetValue<string>());
        using var answer = await http.SendAsync(userinfo);
        var claims = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!.AsObject();
        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        claims["sub"]!.GetValue<string>().ShouldBe("ada");
        Strings(claims["groups"]).ShouldBe(["onemcp-admins", "engineering"]);
        claims["email"]!.GetValue<string>().ShouldBe("ada@corp.example");
    }

    [Fact]
    public async Task AuthorizationRequestWithoutPkce_IsRefused()
    {
        var request = OidcSignInDriver.WithQueryParameter(
            OidcSignInDriver.WithQueryParameter(Driver.BuildAuthorizationRequest(RedirectUri, "s", "n", Pkce.Create()), "code_challenge", null),
            "code_challenge_method",
            null);

        var response = await Driver.AuthorizeAsync(request, "ada");

        response.SignedIn.ShouldBeFalse();
        response.Error.ShouldBe("invalid_request");
        response.ErrorDescription.ShouldNotBeNull().ShouldContain("PKCE");
        response.Iss.ShouldBe(_provider.IssuerString);
    }

    [Fact]
    public async Task UnknownUser_IsRefusedOnTheSignInPage()
    {
        var request = Driver.BuildAuthorizationRequest(RedirectUri, "s", "n", Pkce.Create());

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => Driver.AuthorizeAsync(request, "mallory"));

        failure.Message.ShouldContain("Unknown user");
    }

    [Fact]
    public async Task GroupsChangedInTheAccountsFile_AreSeenByTheNextSignIn()
    {
        Strings((await SignInAsync("bob")).IdToken["groups"]).ShouldBe(["engineering"]);

        _provider.SetAccount("bob", "bob@corp.example", ["engineering", "onemcp-admins"], "bob");
        var second = await SignInAsync("bob");

        Strings(second.IdToken["groups"]).ShouldBe(["engineering", "onemcp-admins"]);
        second.IdToken["preferred_username"]!.GetValue<string>().ShouldBe("bob");
    }

    [Fact]
    public async Task RemovedAccount_CannotSignIn()
    {
        _provider.SetAccount("carol", "carol@corp.example", ["sales"]);
        (await SignInAsync("carol")).IdToken["sub"]!.GetValue<string>().ShouldBe("carol");

        _provider.RemoveAccount("carol");

        await Should.ThrowAsync<InvalidOperationException>(() => SignInAsync("carol"));
    }

    [Fact]
    public async Task AccountWithoutPreferredUserName_HasNoSuchClaim()
    {
        _provider.SetAccount(new OidcAccount("dave", "dave@corp.example", []));

        var idToken = (await SignInAsync("dave")).IdToken;

        idToken["email"]!.GetValue<string>().ShouldBe("dave@corp.example");
        idToken.ContainsKey("preferred_username").ShouldBeFalse();
        idToken.ContainsKey("name").ShouldBeFalse();
        Strings(idToken["groups"]).ShouldBeEmpty();
    }

    [Fact]
    public async Task ClockOffsetBackTwoHours_IssuesAnAlreadyExpiredIdToken()
    {
        await using var late = await OidcProviderProcess.StartAsync(
            new OidcProviderOptions { RedirectUris = [RedirectUri], Accounts = [Ada], ClockOffsetSeconds = -7200 });

        var flow = await SignInAsync("ada", late);

        var expires = DateTimeOffset.FromUnixTimeSeconds(flow.IdToken["exp"]!.GetValue<long>());
        var issued = DateTimeOffset.FromUnixTimeSeconds(flow.IdToken["iat"]!.GetValue<long>());
        expires.ShouldBeLessThan(DateTimeOffset.UtcNow);
        issued.ShouldBeLessThan(DateTimeOffset.UtcNow.AddMinutes(-110));
        flow.IdToken["sub"]!.GetValue<string>().ShouldBe("ada");
        flow.Response.Iss.ShouldBe(late.IssuerString);
    }

    [Fact]
    public async Task Dispose_EndsTheNodeProcess()
    {
        var provider = await OidcProviderProcess.StartAsync(new OidcProviderOptions { RedirectUris = [RedirectUri] });
        var pid = provider.ProcessId;

        await provider.DisposeAsync();

        Directory.Exists($"/proc/{pid}").ShouldBeFalse();
        File.Exists(provider.AccountsFile).ShouldBeFalse();
    }

    [Fact]
    public async Task GatewayFlow_StartsAtLoginOidc_AndEndsWithTheGatewaysAnswerToTheCallback()
    {
        await using var stand = await StandInGateway.StartAsync();
        using var gateway = StandInGateway.Client();

        var result = await new OidcSignInDriver(stand.Provider).SignInAsync(stand.BaseUrl, gateway, "ada", "/dashboard");

        result.StatusCode.ShouldBe(HttpStatusCode.Redirect, result.Body);
        result.Location.ShouldBe(new Uri(stand.BaseUrl, "/dashboard"));
        result.Body.ShouldBe("signed in: ada [onemcp-admins engineering]");
        result.AuthorizationRequest.GetLeftPart(UriPartial.Path).ShouldBe(stand.Provider.AuthorizationEndpoint.AbsoluteUri);
        result.Callback.GetLeftPart(UriPartial.Path).ShouldBe(new Uri(stand.BaseUrl, OidcSignInDriver.CallbackPath).AbsoluteUri);
        result.ProviderResponse.Iss.ShouldBe(stand.Provider.IssuerString);
    }

    [Theory]
    [InlineData("state")]
    [InlineData("iss")]
    public async Task GatewayFlow_TamperedCallback_ReachesTheGatewayTampered(string parameter)
    {
        await using var stand = await StandInGateway.StartAsync();
        using var gateway = StandInGateway.Client();

        var result = await new OidcSignInDriver(stand.Provider).SignInAsync(
            stand.BaseUrl, gateway, "ada", tamperCallback: callback => OidcSignInDriver.WithQueryParameter(callback, parameter, "tampered"));

        result.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        result.Body.ShouldBe("refused: " + parameter);
        result.ProviderResponse.Parameter(parameter).ShouldNotBe("tampered");
    }

    [Fact]
    public async Task GatewayFlow_TamperedAuthorizationRequest_ReachesTheProviderTampered()
    {
        await using var stand = await StandInGateway.StartAsync();
        using var gateway = StandInGateway.Client();

        var result = await new OidcSignInDriver(stand.Provider).SignInAsync(
            stand.BaseUrl, gateway, "ada", tamperAuthorizationRequest: request => OidcSignInDriver.WithQueryParameter(request, "nonce", "another-nonce"));

        result.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        result.Body.ShouldBe("refused: nonce");
    }

    private OidcSignInDriver Driver => new(_provider);

    // The in-test client: an authorization request with state, nonce and PKCE, the provider's side by the driver, and
    // the code redeemed at the token endpoint with client_secret_basic.
    private async Task<Flow> SignInAsync(string username, OidcProviderProcess? provider = null)
    {
        provider ??= _provider;
        var driver = new OidcSignInDriver(provider);
        var pkce = Pkce.Create();
        var state = Guid.NewGuid().ToString("N");
        var nonce = Guid.NewGuid().ToString("N");

        var response = await driver.AuthorizeAsync(driver.BuildAuthorizationRequest(RedirectUri, state, nonce, pkce), username);
        response.Error.ShouldBeNull(response.ErrorDescription);
        response.Code.ShouldNotBeNullOrEmpty();

        using var http = new HttpClient();
        using var token = new HttpRequestMessage(HttpMethod.Post, provider.TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = response.Code!,
                ["redirect_uri"] = RedirectUri.AbsoluteUri,
                ["code_verifier"] = pkce.Verifier,
            }),
        };
        // RFC 6749 section 2.3.1: form-encode the id and secret, then base64 "id:secret".
        token.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(provider.ClientId) + ":" + Uri.EscapeDataString(provider.ClientSecret))));
        using var answer = await http.SendAsync(token);
        var body = await answer.Content.ReadAsStringAsync();
        answer.StatusCode.ShouldBe(HttpStatusCode.OK, body);

        return new Flow(response, JsonNode.Parse(body)!.AsObject(), state, nonce);
    }

    private static JsonObject DecodePayload(string jwt)
    {
        // The claims of a JWT, unverified (the provider is the test's own; the gateway verifies signatures).
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        return JsonNode.Parse(Convert.FromBase64String(payload))!.AsObject();
    }

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(n => n!.GetValue<string>())];

    private sealed record Flow(OidcAuthorizationResponse Response, JsonObject Tokens, string State, string Nonce)
    {
        public JsonObject IdToken { get; } = DecodePayload(Tokens["id_token"]!.GetValue<string>());
    }

    /// <summary>
    /// Just enough of a relying party to exercise the driver's gateway half: <c>/login/oidc</c> keeps state, nonce and
    /// the PKCE verifier in a cookie and redirects to the provider; <c>/signin-oidc</c> checks state and iss, redeems
    /// the code, checks the nonce, and answers 302 to the return URL (400 "refused: &lt;what&gt;" otherwise).
    /// </summary>
    private sealed class StandInGateway : IAsyncDisposable
    {
        private const string Cookie = "stand-in-correlation";

        private readonly WebApplication _app;

        private StandInGateway(WebApplication app, OidcProviderProcess provider, Uri baseUrl)
        {
            _app = app;
            Provider = provider;
            BaseUrl = baseUrl;
        }

        public OidcProviderProcess Provider { get; }

        public Uri BaseUrl { get; }

        public static async Task<StandInGateway> StartAsync()
        {
            var port = GatewayProcess.FreePort();
            var provider = await OidcProviderProcess.StartForGatewayAsync(port, [Ada]);
            var redirectUri = OidcProviderProcess.RedirectUriFor(port);
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(redirectUri.GetLeftPart(UriPartial.Authority));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var driver = new OidcSignInDriver(provider);

            app.MapGet(OidcSignInDriver.LoginPath, (HttpContext context, string returnUrl) =>
            {
                var pkce = Pkce.Create();
                var state = Guid.NewGuid().ToString("N");
                var nonce = Guid.NewGuid().ToString("N");
                context.Response.Cookies.Append(Cookie, string.Join(' ', state, nonce, pkce.Verifier, Uri.EscapeDataString(returnUrl)));
                return Results.Redirect(driver.BuildAuthorizationRequest(redirectUri, state, nonce, pkce).AbsoluteUri);
            });
            app.MapGet(OidcSignInDriver.CallbackPath, async (HttpContext context, string code, string state, string iss) =>
            {
                var saved = context.Request.Cookies[Cookie]?.Split(' ');
                if (saved is not [var savedState, var nonce, var verifier, var returnUrl] || state != savedState)
                {
                    return Results.Text("refused: state", statusCode: 400);
                }

                if (iss != provider.IssuerString)
                {
                    return Results.Text("refused: iss", statusCode: 400);
                }

                using var http = new HttpClient();
                using var token = new HttpRequestMessage(HttpMethod.Post, provider.TokenEndpoint)
                {
                    Content = new FormUrlEncodedContent(new Dictionary<string, string>
                    {
                        ["grant_type"] = "authorization_code",
                        ["code"] = code,
                        ["redirect_uri"] = redirectUri.AbsoluteUri,
                        ["code_verifier"] = verifier,
                    }),
                };
                token.Headers.Authorization = new AuthenticationHeaderValue(
                    "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(provider.ClientId + ":" + provider.ClientSecret)));
                using var answer = await http.SendAsync(token);
                var idToken = DecodePayload(JsonNode.Parse(await answer.Content.ReadAsStringAsync())!["id_token"]!.GetValue<string>());
                if (idToken["nonce"]?.GetValue<string>() != nonce)
                {
                    return Results.Text("refused: nonce", statusCode: 400);
                }

                context.Response.Headers.Location = Uri.UnescapeDataString(returnUrl);
                return Results.Text($"signed in: {idToken["sub"]} [{string.Join(' ', Strings(idToken["groups"]))}]", statusCode: 302);
            });

            try
            {
                await app.StartAsync();
            }
            catch
            {
                await provider.DisposeAsync();
                throw;
            }

            return new StandInGateway(app, provider, new Uri(redirectUri.GetLeftPart(UriPartial.Authority)));
        }

        /// <summary>A browser for the gateway: cookies kept, redirects not followed.</summary>
        public static HttpClient Client() =>
            new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }, disposeHandler: true);

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            await Provider.DisposeAsync();
        }
    }
}
