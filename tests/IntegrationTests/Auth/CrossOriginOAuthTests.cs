using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// A client running in a web page on another origin (the MCP Inspector at http://localhost:6274, for one) can discover
/// the authorization server, register and call the token endpoint with <c>fetch</c>; every other path still refuses
/// that origin, and the Host rule holds on all of them (ADR 0046).
/// </summary>
public sealed class CrossOriginOAuthTests(AuthGatewayFixture fixture) : IClassFixture<AuthGatewayFixture>, IDisposable
{
    private const string ForeignOrigin = "http://localhost:6274";

    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Gateway.BaseUrl };

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData("/.well-known/oauth-authorization-server", "GET")]
    [InlineData("/.well-known/oauth-protected-resource/mcp", "GET")]
    [InlineData("/register", "POST")]
    [InlineData("/token", "POST")]
    [InlineData("/revoke", "POST")]
    public async Task Preflight_ToAPublicOAuthEndpointFromAForeignOrigin_IsAnsweredWithoutCredentials(string path, string method)
    {
        using var request = Preflight(path, method);

        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        Header(response, "Access-Control-Allow-Origin").ShouldBe("*");
        Header(response, "Access-Control-Allow-Methods").ShouldContain(method);
        Header(response, "Access-Control-Allow-Headers").ToLowerInvariant().Split(',').ShouldBe(["authorization", "content-type", "mcp-protocol-version"], ignoreOrder: true);
        response.Headers.Contains("Access-Control-Allow-Credentials").ShouldBeFalse();
    }

    [Theory]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-protected-resource")]
    [InlineData("/.well-known/oauth-protected-resource/mcp")]
    [InlineData("/.well-known/jwks")]
    public async Task Metadata_FromAForeignOrigin_IsServedReadableByThatPage(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", ForeignOrigin);
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");

        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Header(response, "Access-Control-Allow-Origin").ShouldBe("*");
        response.Headers.Contains("Access-Control-Allow-Credentials").ShouldBeFalse();
        JsonNode.Parse(await response.Content.ReadAsStringAsync()).ShouldBeOfType<JsonObject>();
    }

    [Fact]
    public async Task Register_FromAForeignOrigin_RegistersTheClient()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/register")
        {
            Content = new StringContent("""{"redirect_uris":["http://localhost:6274/oauth/callback"],"token_endpoint_auth_method":"none","client_name":"MCP Inspector"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Origin", ForeignOrigin);

        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        Header(response, "Access-Control-Allow-Origin").ShouldBe("*");
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["client_id"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Token_FromAForeignOrigin_AnswersTheOAuthErrorReadablyByThatPage()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/token")
        {
            Content = new FormUrlEncodedContent([
                KeyValuePair.Create("grant_type", "authorization_code"), KeyValuePair.Create("client_id", "no-such-client"),
                KeyValuePair.Create("code", "not-a-code"), KeyValuePair.Create("code_verifier", new string('v', 43)),
                KeyValuePair.Create("redirect_uri", "http://localhost:6274/oauth/callback")]),
        };
        request.Headers.Add("Origin", ForeignOrigin);

        using var response = await _http.SendAsync(request);

        ((int)response.StatusCode).ShouldBeInRange(400, 401);
        Header(response, "Access-Control-Allow-Origin").ShouldBe("*");
        Header(response, "Access-Control-Expose-Headers").ShouldBe("WWW-Authenticate");
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("GET", "/authorize?response_type=code&client_id=c&redirect_uri=http%3A%2F%2Flocalhost%3A6274%2Fcb&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGHSc215cM&code_challenge_method=S256")]
    [InlineData("POST", "/authorize")]
    [InlineData("GET", "/login")]
    [InlineData("POST", "/login")]
    [InlineData("GET", "/oauth")]
    [InlineData("GET", "/api/backends")]
    [InlineData("GET", "/api/session")]
    [InlineData("POST", "/mcp")]
    [InlineData("GET", "/health")]
    public async Task EveryOtherPath_FromAForeignOrigin_IsStillRefused(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("Origin", ForeignOrigin);
        using var preflight = Preflight(path, method);

        using var response = await _http.SendAsync(request);
        using var preflightResponse = await _http.SendAsync(preflight);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
        preflightResponse.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        preflightResponse.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    [Theory]
    [InlineData("/.well-known/oauth-authorization-server")]
    [InlineData("/token")]
    public async Task PublicOAuthEndpoint_ForAHostNameThatIsNotTheGateways_IsStillRefused(string path)
    {
        using var request = new HttpRequestMessage(path == "/token" ? HttpMethod.Post : HttpMethod.Get, path);
        request.Headers.Host = "rebound.example.com";
        request.Headers.Add("Origin", "http://rebound.example.com");

        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    private static HttpRequestMessage Preflight(string path, string method)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", ForeignOrigin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,mcp-protocol-version");
        return request;
    }

    // The header's values joined with commas; empty when absent.
    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : string.Empty;
}
