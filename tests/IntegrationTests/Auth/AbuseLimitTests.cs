using System.Net;
using System.Text;
using OneMcp.Infrastructure.Settings;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>Rate limits on the OAuth endpoints and the sign-in form, and the lock-out after failed sign-ins.</summary>
public sealed class AbuseLimitTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder(), adjust: o => o with
        {
            RateLimits = new OAuthRateLimits { PermitsPerWindow = 3, SignInPermitsPerWindow = 8, MaxFailedSignIns = 3, Window = TimeSpan.FromMinutes(5) },
        });
        await _gateway.AddUserAsync("ada", "correct horse battery staple");
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _gateway.BaseUrl };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task Register_BeyondTheLimit_Answers429WithRetryAfter()
    {
        var driver = new OAuthFlowDriver(_gateway.BaseUrl);
        for (var i = 0; i < 3; i++)
        {
            (await driver.RegisterClientAsync(["http://127.0.0.1:1/cb"])).StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        using var response = await _http.PostAsync("/register", new StringContent("""{"redirect_uris":["http://127.0.0.1:1/cb"]}""", Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter.ShouldNotBeNull().Delta!.Value.ShouldBeGreaterThan(TimeSpan.Zero);
        (await response.Content.ReadAsStringAsync()).ShouldContain("rate_limited");
    }

    [Fact]
    public async Task Token_BeyondTheLimit_Answers429()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8 && !statuses.Contains(HttpStatusCode.TooManyRequests); i++)
        {
            using var response = await _http.PostAsync("/token", new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "authorization_code")]));
            statuses.Add(response.StatusCode);
        }

        // Three permits per window: the first three are answered (400, an incomplete request), then 429.
        statuses.Take(3).ShouldAllBe(s => s == HttpStatusCode.BadRequest);
        statuses.ShouldContain(HttpStatusCode.TooManyRequests, string.Join(", ", statuses));
    }

    [Fact]
    public async Task SignIn_AfterTooManyFailures_IsLockedEvenWithTheRightPassword()
    {
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await SignInAsync("ada", "not the password");
            wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await wrong.Content.ReadAsStringAsync()).ShouldContain("The user name or password is not right.");
        }

        using var locked = await SignInAsync("ada", "correct horse battery staple");

        locked.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await locked.Content.ReadAsStringAsync()).ShouldContain("Too many failed sign-ins");
        locked.Headers.Contains("Set-Cookie").ShouldBeFalse();
    }

    [Theory]
    [InlineData("POST", "/token", 3)]
    [InlineData("POST", "/register", 3)]
    [InlineData("GET", "/authorize", 3)]
    [InlineData("POST", "/revoke", 3)]
    [InlineData("POST", "/login", 8)]
    public async Task RateLimit_WhenTheEndpointIsSpelledDifferently_CountsEverySpellingAgainstTheOneLimit(string method, string path, int permits)
    {
        // Spellings the router or OpenIddict may take for the endpoint, and ones nothing answers: each is sent raw
        // (no client-side canonicalisation), twice, so that any spelling escaping the limit would exceed it alone.
        var spellings = new[]
        {
            path + "/", path.ToUpperInvariant(), path.ToUpperInvariant() + "/", "/%" + ((int)path[1]).ToString("X2", System.Globalization.CultureInfo.InvariantCulture) + path[2..],
            path + "%2F", path + "//", "/" + path, path + "/.", path + "/x/..",
        };
        var answers = new List<string>();
        foreach (var spelling in spellings.Concat(spellings).Append(path))
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), RawUrl(spelling)) { Content = method == "GET" ? null : RequestBody(path) };
            using var response = await _http.SendAsync(request);
            answers.Add($"{spelling} {(int)response.StatusCode}");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                (await response.Content.ReadAsStringAsync()).ShouldContain("rate_limited");
            }
        }

        // Whatever is neither refused (429) nor unknown (404) reached the endpoint and took a permit.
        var reached = answers.Count(a => !a.EndsWith(" 429", StringComparison.Ordinal) && !a.EndsWith(" 404", StringComparison.Ordinal));
        reached.ShouldBeLessThanOrEqualTo(permits, string.Join(", ", answers));
        answers.Last().ShouldEndWith(" 429", customMessage: string.Join(", ", answers));
    }

    [Fact]
    public async Task SignIn_WithTheRightPassword_SetsAnHttpOnlySameSiteCookie()
    {
        using var response = await SignInAsync("ada", "correct horse battery staple");

        response.StatusCode.ShouldBe(HttpStatusCode.Found);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("onemcp_session=", StringComparison.Ordinal));
        cookie.ShouldContain("httponly", Case.Insensitive);
        cookie.ShouldContain("samesite=lax", Case.Insensitive);
    }

    [Fact]
    public async Task SignIn_WhenTheExternalUrlIsHttpsWithoutATrustedProxy_SetsASecureCookie()
    {
        // The request itself arrives over plain http, as it does from a TLS-terminating proxy not named by --trust-proxy.
        await using var gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder(), adjust: o => o with { ExternalUrl = new Uri("https://gateway.example.com") });
        await gateway.AddUserAsync("ada", "correct horse battery staple");
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = gateway.BaseUrl };

        using var response = await http.PostAsync("/login", new FormUrlEncodedContent([
            KeyValuePair.Create("username", "ada"), KeyValuePair.Create("password", "correct horse battery staple"), KeyValuePair.Create("returnUrl", "/oauth")]));

        response.StatusCode.ShouldBe(HttpStatusCode.Found);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("onemcp_session=", StringComparison.Ordinal));
        cookie.ShouldContain("secure", Case.Insensitive);
    }

    [Fact]
    public async Task SignIn_OverPlainHttpLoopback_SetsACookieWithoutSecure()
    {
        using var response = await SignInAsync("ada", "correct horse battery staple");

        response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("onemcp_session=", StringComparison.Ordinal)).ShouldNotContain("secure", Case.Insensitive);
    }

    [Fact]
    public async Task SignIn_WithAnUnknownUser_ReadsLikeAWrongPassword()
    {
        using var response = await SignInAsync("nobody", "whatever it is");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync()).ShouldContain("The user name or password is not right.");
    }

    [Fact]
    public async Task SignIn_BeyondTheLimit_Answers429()
    {
        HttpStatusCode last = default;
        for (var i = 0; i < 9; i++)
        {
            using var response = await SignInAsync("user" + i, "some password");
            last = response.StatusCode;
        }

        last.ShouldBe(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task SignIn_ReturnUrlToAnotherSite_IsNotFollowed()
    {
        using var response = await SignInAsync("ada", "correct horse battery staple", "//evil.example.com/x");

        response.Headers.Location!.ToString().ShouldBe("/oauth");
    }

    // The path exactly as written: System.Uri would otherwise decode %6C and fold dot segments before sending.
    private Uri RawUrl(string path) =>
        new(_gateway.BaseUrl.GetLeftPart(UriPartial.Authority) + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    private static HttpContent RequestBody(string path) => path switch
    {
        "/register" => new StringContent("""{"redirect_uris":["http://127.0.0.1:1/cb"]}""", Encoding.UTF8, "application/json"),
        "/login" => new FormUrlEncodedContent([KeyValuePair.Create("username", "mallory"), KeyValuePair.Create("password", "a guess")]),
        "/revoke" => new FormUrlEncodedContent([KeyValuePair.Create("token", "not-a-token"), KeyValuePair.Create("client_id", "nobody")]),
        _ => new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "authorization_code")]),
    };

    private Task<HttpResponseMessage> SignInAsync(string user, string password, string returnUrl = "/authorize") =>
        _http.PostAsync("/login", new FormUrlEncodedContent([
            KeyValuePair.Create("username", user), KeyValuePair.Create("password", password), KeyValuePair.Create("returnUrl", returnUrl)]));
}
