using System.Net;
using OneMcp.Infrastructure.Settings;
using OneMcp.IntegrationTests.Support;

namespace OneMcp.IntegrationTests.Auth;

/// <summary>
/// The sign-in throttle over HTTP, from several client addresses: the gateway trusts the loopback proxy, so each
/// request's <c>X-Forwarded-For</c> is its client address (as behind a real TLS-terminating proxy).
/// </summary>
public sealed class SignInThrottleTests : IAsyncLifetime
{
    private const string Attacker = "203.0.113.7";
    private const string Office = "198.51.100.9";
    private const string Password = "correct horse battery staple";

    // Three failures lock a (name, address) pair; twelve (four times three) refuse the address.
    private const int MaxFailedSignIns = 3;
    private const int AddressFailures = 12;

    private GatewayUnderTest _gateway = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartWithAuthAsync(new ConfigBuilder(), adjust: o => o with
        {
            TrustedProxies = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")],
            RateLimits = new OAuthRateLimits { PermitsPerWindow = 100, SignInPermitsPerWindow = 100, MaxFailedSignIns = MaxFailedSignIns, Window = TimeSpan.FromMinutes(5) },
        });
        await _gateway.AddUserAsync("admin", Password, "admin");
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _gateway.BaseUrl };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task SignIn_WhenAnotherAddressKeepsFailingTheAdminsPassword_TheAdminStillGetsInFromTheirOwn()
    {
        for (var i = 0; i < MaxFailedSignIns + 2; i++)
        {
            using var wrong = await SignInAsync(Attacker, "admin", "a guess " + i);
            wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        using var lockedForTheAttacker = await SignInAsync(Attacker, "admin", Password);
        using var admin = await SignInAsync(Office, "admin", Password);

        lockedForTheAttacker.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await lockedForTheAttacker.Content.ReadAsStringAsync()).ShouldContain("Too many failed sign-ins for this account");
        admin.StatusCode.ShouldBe(HttpStatusCode.Found);
        admin.Headers.GetValues("Set-Cookie").ShouldContain(c => c.StartsWith("onemcp_session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignIn_WhenAnAddressFailsTooOftenWhateverTheNames_Answers429WithRetryAfterEvenForTheRightPassword()
    {
        for (var i = 0; i < AddressFailures; i++)
        {
            using var wrong = await SignInAsync(Attacker, "user" + i, "a guess");
            wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        using var refused = await SignInAsync(Attacker, "admin", Password);
        using var admin = await SignInAsync(Office, "admin", Password);

        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        refused.Headers.RetryAfter.ShouldNotBeNull().Delta!.Value.ShouldBeGreaterThan(TimeSpan.Zero);
        refused.Headers.Contains("Set-Cookie").ShouldBeFalse();
        (await refused.Content.ReadAsStringAsync()).ShouldContain("Too many failed sign-ins from this address");
        admin.StatusCode.ShouldBe(HttpStatusCode.Found);
    }

    [Fact]
    public async Task SignIn_WhenAnIPv6ClientRotatesAddressesWithinItsNetwork_IsCountedAsOneAddress()
    {
        for (var i = 0; i < AddressFailures; i++)
        {
            using var wrong = await SignInAsync($"2001:db8:1:2::{i + 1:x}", "user" + i, "a guess");
            wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        using var refused = await SignInAsync("2001:db8:1:2:ffff::1", "admin", Password);
        using var otherNetwork = await SignInAsync("2001:db8:1:3::1", "admin", Password);

        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        otherNetwork.StatusCode.ShouldBe(HttpStatusCode.Found);
    }

    private async Task<HttpResponseMessage> SignInAsync(string clientAddress, string user, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent([
                KeyValuePair.Create("username", user), KeyValuePair.Create("password", password), KeyValuePair.Create("returnUrl", "/oauth")]),
        };
        request.Headers.Add("X-Forwarded-For", clientAddress);
        return await _http.SendAsync(request);
    }
}
