using System.Net;
using System.Net.Sockets;
using System.Text;
using OneMcp.Infrastructure.Settings;
using OneMcp.IntegrationTests.Support;
using OneMcp.IntegrationTests.Support.OAuth;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// Rate limits on the OAuth endpoints and the sign-in form, and the lock-out after failed sign-ins. The tests share one
/// gateway (<see cref="LimitedGateway"/>); the limits count per client address, and each test sends from a loopback
/// address of its own, so each starts with every permit, as on a gateway of its own. The lock-out test signs in as a
/// user no other test uses.
/// </summary>
public sealed class AbuseLimitTests : IClassFixture<AbuseLimitTests.LimitedGateway>, IDisposable
{
    private readonly GatewayUnderTest _gateway;
    private readonly IPAddress _address;
    private readonly HttpClient _http;

    public AbuseLimitTests(LimitedGateway fixture)
    {
        _gateway = fixture.Gateway;
        _address = fixture.NewAddress();
        _http = new HttpClient(LimitedGateway.HandlerFrom(_address)) { BaseAddress = _gateway.BaseUrl };
    }

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Register_BeyondTheLimit_Answers429WithRetryAfter()
    {
        var driver = new OAuthFlowDriver(_gateway.BaseUrl, () => new HttpClient(LimitedGateway.HandlerFrom(_address)));
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
            using var wrong = await SignInAsync(LimitedGateway.LockedOutUser, "not the password");
            wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await wrong.Content.ReadAsStringAsync()).ShouldContain("The user name or password is not right.");
        }

        using var locked = await SignInAsync(LimitedGateway.LockedOutUser, "correct horse battery staple");

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
                (await response.Content.ReadAsStringAsync()).ShouldContain(path is "/authorize" or "/login" ? "Too many requests from this address." : "rate_limited");
            }
        }

        // Whatever is neither refused (429) nor unknown (404) reached the endpoint and took a permit.
        var reached = answers.Count(a => !a.EndsWith(" 429", StringComparison.Ordinal) && !a.EndsWith(" 404", StringComparison.Ordinal));
        reached.ShouldBeLessThanOrEqualTo(permits, string.Join(", ", answers));
        answers.Last().ShouldEndWith(" 429", customMessage: string.Join(", ", answers));
    }

    [Theory]
    [InlineData("GET", "/login/oidc")]
    [InlineData("GET", "/signin-oidc")]
    [InlineData("GET", "/authorize")]
    [InlineData("POST", "/login")]
    public async Task RateLimit_OnAPageABrowserOpens_AnswersAPageAPersonCanRead(string method, string path)
    {
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 10 && refused is null; i++)
        {
            var response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : RequestBody(path) });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        using var page = refused.ShouldNotBeNull($"{method} {path} was never refused");
        var html = await page.Content.ReadAsStringAsync();
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        page.Headers.RetryAfter.ShouldNotBeNull().Delta!.Value.ShouldBeGreaterThan(TimeSpan.Zero);
        page.Headers.GetValues("Content-Security-Policy").ShouldHaveSingleItem().ShouldStartWith("default-src 'none'");
        html.ShouldContain("<title>Too many requests · OneMcp</title>");
        html.ShouldContain("<p class=\"error\" role=\"alert\" id=\"error\">Too many requests from this address. Try again in ");
        html.ShouldContain("id=\"back-to-sign-in\"");
        html.ShouldNotContain("rate_limited");
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

    [Theory]
    [InlineData("//evil.example.com/x")]
    [InlineData("/\u3000/evil.example.com")]
    [InlineData("/oauth\u00e9")]
    public async Task SignIn_ReturnUrlToAnotherSiteOrBeyondAscii_IsNotFollowed(string returnUrl)
    {
        // A link to /login?returnUrl=/<non-ASCII> ended a correct sign-in in a 500: a Location header takes ASCII only.
        using var response = await SignInAsync("ada", "correct horse battery staple", returnUrl);

        response.StatusCode.ShouldBe(HttpStatusCode.Found);
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

    /// <summary>
    /// The gateway of the class, with low limits (3 per window on each OAuth endpoint, 8 sign-ins, a lock-out after 3
    /// failures) and the users ada and <see cref="LockedOutUser"/>; and clients that each connect from another loopback
    /// address (127.0.0.2, 127.0.0.3, …).
    /// </summary>
    public sealed class LimitedGateway : IAsyncLifetime
    {
        /// <summary>The user the lock-out test locks out (with ada's password).</summary>
        public const string LockedOutUser = "grace";

        private int _lastAddress = 1;
        private GatewayUnderTest? _gateway;

        internal GatewayUnderTest Gateway => _gateway ?? throw new InvalidOperationException("The gateway is not started.");

        public async Task InitializeAsync()
        {
            _gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder(), adjust: o => o with
            {
                RateLimits = new OAuthRateLimits { PermitsPerWindow = 3, SignInPermitsPerWindow = 8, MaxFailedSignIns = 3, Window = TimeSpan.FromMinutes(5) },
            });
            await _gateway.AddUserAsync("ada", "correct horse battery staple");
            await _gateway.AddUserAsync(LockedOutUser, "correct horse battery staple");
        }

        public async Task DisposeAsync()
        {
            if (_gateway is not null)
            {
                await _gateway.DisposeAsync();
            }
        }

        /// <summary>A loopback address no test of the class had before.</summary>
        internal IPAddress NewAddress() => IPAddress.Parse($"127.0.0.{Interlocked.Increment(ref _lastAddress)}");

        /// <summary>A handler (no automatic redirects) whose connections come from <paramref name="address"/>.</summary>
        internal static SocketsHttpHandler HandlerFrom(IPAddress address) => new()
        {
            AllowAutoRedirect = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(address, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
    }
}
